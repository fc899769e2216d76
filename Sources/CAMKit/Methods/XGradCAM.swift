/// XGrad-CAM: α_k = Σ_ij(∂y_c/∂F_k[i,j] · F_k[i,j]) / (Σ_ij F_k[i,j] + ε), ε = 1e-7 as in
/// pytorch-grad-cam. With the constant gradient G_k = g_k/(h·w) at the head: α_k = G_k · S_k/(S_k + ε).
enum XGradCAM {
    static let epsilon: Float = 1e-7

    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let sums = input.channelSums
        let products = input.gradientActivationSums(try input.positionGradient())
        return (0..<input.channels).map { k in products[k] / (sums[k] + epsilon) }
    }
}
