import CBLAS
import Inference

/// Attention-native explanations of a vision transformer, from its attention probabilities (the
/// Softmax outputs over L×L tokens, found in the graph): rollout (Abnar & Zuidema, ACL 2020)
/// multiplies each layer's head-fused attention, half mixed with the identity for the residual
/// path; gradient-weighted rollout (Chefer, Gur & Wolf, ICCV 2021, "Generic
/// Attention-model Explainability", their rule for self-attention encoders) adds each layer's
/// positive gradient × attention. The map is the class token's row over the grid tokens.
/// Written here because no library offers it on ONNX models; the rules are a few lines each.
public enum AttentionRollout {
    public enum HeadFusion: String, CaseIterable, Sendable, Codable { case mean, max, min }

    public struct Options: Sendable, Equatable, Codable {
        /// How a layer's heads become one matrix.
        public var headFusion: HeadFusion = .mean
        /// The share of each fused matrix's smallest entries set to 0 (vit-explain's default 0.9).
        public var discardRatio: Float = 0.9
        public init() {}
    }

    /// A model's attention probabilities: their value names, the token count and the grid.
    public typealias Values = (names: [String], tokens: Int, grid: TokenGrid)

    /// The attention probabilities of `classifier` at `size`: Softmax outputs whose last two
    /// axes are the token count, in graph order.
    public static func attentionValues(_ classifier: Classifier, inputShape: [Int]) throws -> Values {
        guard let grid = classifier.tokenGrid else { throw CAMError.noAttention(detail: "the model has no token grid (no patch embedding)") }
        // The map is the class token's row: without one, row 0 is a patch's, not the decision's.
        guard grid.extraTokens > 0 else { throw CAMError.noAttention(detail: "the token grid \(grid) has no class token") }
        let tokens = grid.extraTokens + grid.height * grid.width
        let values = try classifier.engine.runtimeValues(inputShapes: [classifier.inputName: inputShape])
        let names = values.filter { $0.op == "Softmax" && $0.shape.count >= 3 && Array($0.shape.suffix(2)) == [tokens, tokens] }.map(\.name)
        guard !names.isEmpty else {
            throw CAMError.noAttention(detail: "no Softmax over \(tokens)×\(tokens) tokens (window attention, as in Swin, covers part of the grid)")
        }
        return (names, tokens, grid)
    }

    /// Rollout of one image's attention matrices ([heads, L, L] each, batch 1), the class token's
    /// row of the product. Each row of (F + I)/2 is made to sum to 1 — Abnar & Zuidema's
    /// definition; vit-explain's `a / a.sum(dim=-1)` on a [1, L, L] array broadcasts the row
    /// sums along the last axis instead (the same for mean fusion without discarding).
    static func rollout(_ layers: [[Float]], tokens n: Int, fusion: HeadFusion, discardRatio: Float) -> [Double] {
        var result = identity(n)
        for attention in layers {
            let heads = attention.count / (n * n)
            var fused = [Double](repeating: fusion == .mean ? 0 : (fusion == .max ? -.infinity : .infinity), count: n * n)
            for h in 0..<heads {
                for i in 0..<(n * n) {
                    let v = Double(attention[h * n * n + i])
                    switch fusion {
                    case .mean: fused[i] += v / Double(heads)
                    case .max: fused[i] = Swift.max(fused[i], v)
                    case .min: fused[i] = Swift.min(fused[i], v)
                    }
                }
            }
            // vit-explain's discard: the k smallest entries (ties by position) set to 0, except
            // entry [0, 0] (the class token attending to itself).
            let k = Int(Float(n * n) * discardRatio)
            if k > 0 {
                let order = fused.indices.sorted { (fused[$0], $0) < (fused[$1], $1) }
                for i in order.prefix(k) where i != 0 { fused[i] = 0 }
            }
            var a = fused
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<n { a[i * n + j] = (a[i * n + j] + (i == j ? 1 : 0)) / 2; sum += a[i * n + j] }
                for j in 0..<n { a[i * n + j] /= sum }
            }
            result = multiply(a, result, n)
        }
        return Array(result[0..<n])
    }

    /// Gradient-weighted rollout: R = I; per layer R += mean_h(max(∂y/∂A ⊙ A, 0)) · R; the class
    /// token's row of R.
    static func gradientRollout(_ layers: [[Float]], gradients: [[Float]], tokens n: Int) -> [Double] {
        var r = identity(n)
        for (attention, gradient) in zip(layers, gradients) {
            let heads = attention.count / (n * n)
            var mean = [Double](repeating: 0, count: n * n)
            for h in 0..<heads {
                for i in 0..<(n * n) { mean[i] += Swift.max(Double(gradient[h * n * n + i]) * Double(attention[h * n * n + i]), 0) / Double(heads) }
            }
            let update = multiply(mean, r, n)
            for i in 0..<(n * n) { r[i] += update[i] }
        }
        return Array(r[0..<n])
    }

    /// The map of class `classIndex` for one model input (batch 1).
    static func map(_ method: CAMMethod, input x: Tensor, classIndex: Int, session: ClassifierSession, options: Options) throws -> ClassActivationMap {
        let classifier = session.classifier
        // The attention values and their plan, found once per input shape (not per photo and class).
        if session.attention?.shape != x.shape {
            session.attention = nil
            let values = try attentionValues(classifier, inputShape: x.shape)
            let plan = try classifier.engine.makePlan(inputShapes: [classifier.inputName: x.shape], outputs: values.names)
            session.attention = (x.shape, values, plan)
        }
        let (names, n, grid) = session.attention!.values
        let row: [Double]
        if method == .gradrollout {
            let r = try session.gradientPlan(inputShape: x.shape, targets: names).run([classifier.inputName: x], outputIndex: classIndex)
            row = gradientRollout(names.map { r.values[$0]!.data }, gradients: names.map { r.gradients[$0]!.data }, tokens: n)
        } else {
            let out = try session.attention!.plan.run([classifier.inputName: x])
            row = rollout(names.map { out[$0]!.data }, tokens: n, fusion: options.headFusion, discardRatio: options.discardRatio)
        }
        return ClassActivationMap(width: grid.width, height: grid.height, values: row[grid.extraTokens...].map { Float($0) })
    }

    static func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }

    /// a · b for n×n row-major matrices, in float64 as the references are computed (OpenBLAS).
    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        return c
    }
}
