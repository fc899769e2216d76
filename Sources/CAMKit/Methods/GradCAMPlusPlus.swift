/// Grad-CAM++ (eq. 19 of the paper, with its exponential-score convention, which makes the 2nd
/// and 3rd derivatives of exp(y_c) the powers of the 1st): per position
/// a = G²/(2G² + S_k·G³ + ε), zero where G = 0; α_k = Σ_ij relu(G)·a, S_k = Σ_ij F_k.
/// With the constant gradient G_k = g_k/(h·w) of a pooled head this is
/// α_k = h·w · relu(G_k) · G_k²/(2G_k² + S_k G_k³ + ε). ε = 1e-6 as in pytorch-grad-cam.
enum GradCAMPlusPlus {
    static let epsilon: Float = 1e-6

    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let g = try input.positionGradient()
        let sums = input.channelSums
        let n = input.plane
        return (0..<input.channels).map { k in
            var alpha: Float = 0
            for i in 0..<n {
                let gk = g[k * n + i]
                if gk <= 0 { continue }
                let g2 = gk * gk, g3 = g2 * gk
                alpha += gk * (g2 / (2 * g2 + sums[k] * g3 + epsilon))
            }
            return alpha
        }
    }
}
