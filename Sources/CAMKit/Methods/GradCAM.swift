/// Grad-CAM: α_k = mean over positions of ∂y_c/∂F_k; map Σ_k α_k F_k. At the head's features
/// of a GAP → linear head α_k = W[c,k]/(h·w), so the map is CAM's divided by h·w (the same picture).
enum GradCAM {
    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let n = input.plane
        if input.gradient == nil { return try input.pooledGradient().map { $0 / Float(n) } }
        let g = try input.positionGradient()
        return (0..<input.channels).map { k in
            var s: Float = 0
            for i in 0..<n { s += g[k * n + i] }
            return s / Float(n)
        }
    }
}
