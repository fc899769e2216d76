/// Ablation-CAM: α_k = (y_c − y_c^k)/|y_c|, where y_c^k is the logit with channel k of F set to
/// zero. Zeroing channel k sets pooled p_k to 0, so for a GAP → linear head the drop has a
/// closed form, y_c − y_c^k = W[c,k]·p_k, and no forward pass is needed; a non-linear head is
/// evaluated once per channel on the pooled vector. (pytorch-grad-cam ablates with 0 only when
/// the layer's minimum is 0, as after ReLU; for layers with negative values it uses ever more
/// negative numbers, min − 1e7·i — camkit always ablates with 0, the paper's definition.)
/// pytorch-grad-cam divides by y_c itself, which turns the map into evidence *against* the
/// class when its logit is negative (as for a `--class` the model rejects); camkit divides by
/// |y_c| (1 when y_c = 0), so the map keeps its meaning; for positive logits both agree.
enum AblationCAM {
    static func weights(_ input: MethodInput) throws(CAMError) -> [Float] {
        let c = input.classIndex
        let p = input.pooled
        if let program = input.head.program {
            // Baseline from the same head evaluation as the ablated logits, so rounding
            // differences between engine and head program do not count as drops.
            let y = try program.logits(pooled: p)[c]
            let scale = y == 0 ? 1 : abs(y)
            return try (0..<input.channels).map { k throws(CAMError) in
                var ablated = p
                ablated[k] = 0
                return (y - (try program.logits(pooled: ablated))[c]) / scale
            }
        }
        let y = input.logits[c]
        let scale = y == 0 ? 1 : abs(y)
        let w = input.head.classWeights(c)
        return (0..<input.channels).map { k in w[k] * p[k] / scale }
    }
}
