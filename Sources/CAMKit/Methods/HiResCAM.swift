/// HiResCAM: Σ_k (∂y_c/∂F_k ⊙ F_k), element-wise before summing. At the head's features the
/// gradient is the same g_k/(h·w) at every position, so the map equals Grad-CAM's; at an earlier
/// layer the gradient varies over positions and the two differ, as they should.
enum HiResCAM {
    static func channels(_ input: MethodInput) throws(CAMError) -> [Float] {
        input.elementwise(try input.positionGradient(), *)
    }
}
