/// HiResCAM: Σ_k (∂y_c/∂F_k ⊙ F_k), element-wise before summing. The gradient at F is the
/// same g_k/(h·w) at every position when a global average pool follows F, so the map equals
/// Grad-CAM's; it differs only for heads that keep spatial positions apart.
enum HiResCAM {
    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        try GradCAM.weights(input)
    }
}
