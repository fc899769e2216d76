/// LayerCAM (Jiang et al., TIP 2021): Σ_k ReLU(∂y_c/∂F_k) ⊙ F_k — each position weighted by its
/// own positive gradient, which keeps the fine detail of early layers.
enum LayerCAM {
    static func channels(_ input: MethodInput) throws(CAMError) -> [Float] {
        input.elementwise(try input.positionGradient()) { g, f in max(g, 0) * f }
    }
}

/// pytorch-grad-cam's GradCAMElementWise: Σ_k ReLU(∂y_c/∂F_k ⊙ F_k).
enum GradCAMElementWise {
    static func channels(_ input: MethodInput) throws(CAMError) -> [Float] {
        input.elementwise(try input.positionGradient()) { g, f in max(g * f, 0) }
    }
}
