/// Ablation-CAM: α_k = (y_c − y_c^k)/y_c, where y_c^k is the logit with channel k of F set to
/// zero. Zeroing channel k sets pooled p_k to 0, so for a GAP → linear head the drop has a
/// closed form, y_c − y_c^k = W[c,k]·p_k, and no forward pass is needed; a non-linear head is
/// evaluated once per channel on the pooled vector. (pytorch-grad-cam ablates with 0 only when
/// the layer's minimum is 0, as after ReLU; for layers with negative values it uses ever more
/// negative numbers, min − 1e7·i — camkit always ablates with 0, the paper's definition.)
enum AblationCAM {
    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let c = input.classIndex
        let p = input.pooled
        let y = input.logits[c]
        if let program = input.head.program {
            return try (0..<input.channels).map { k throws(CAMError) in
                var ablated = p
                ablated[k] = 0
                return (y - (try program.logits(pooled: ablated))[c]) / y
            }
        }
        let w = input.head.weights, stride = input.head.channels
        return (0..<input.channels).map { k in w[c * stride + k] * p[k] / y }
    }
}
