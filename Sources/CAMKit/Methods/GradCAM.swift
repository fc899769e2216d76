/// Grad-CAM: α_k = mean over positions of ∂y_c/∂F_k = g_k/(h·w); map Σ_k α_k F_k. For a
/// GAP → linear head g = W[c,:], so the map is CAM's divided by h·w (the same picture).
enum GradCAM {
    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let n = Float(input.plane)
        return try input.pooledGradient().map { $0 / n }
    }
}
