import Inference

/// A raw class activation map M_c = Σ_k W[c,k]·F_k at feature resolution (Zhou et al., CVPR 2016,
/// "Learning Deep Features for Discriminative Localization"): no bias, no ReLU, no normalisation.
public struct ClassActivationMap: Sendable {
    public let width: Int
    public let height: Int
    /// height × width, row-major.
    public let values: [Float]

    /// Wraps a map of height × width values.
    public init(width: Int, height: Int, values: [Float]) {
        self.width = width
        self.height = height
        self.values = values
    }

    /// Spatial mean; plus the class bias it equals the class logit for a GAP → linear head.
    public var mean: Float { values.reduce(0, +) / Float(max(values.count, 1)) }

    /// ReLU then min–max normalisation to [0, 1]; `flat` when the positive part has no range.
    public func normalized(epsilon: Float = 1e-7) -> (values: [Float], flat: Bool) {
        let relu = values.map { max($0, 0) }
        let lo = relu.min() ?? 0, hi = relu.max() ?? 0
        if !(hi - lo > epsilon) || !hi.isFinite { return ([Float](repeating: 0, count: relu.count), true) }
        return (relu.map { ($0 - lo) / (hi - lo) }, false)
    }
}
