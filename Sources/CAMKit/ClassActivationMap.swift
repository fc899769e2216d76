import Inference

/// A raw class activation map M_c = Σ_k W[c,k]·F_k at feature resolution (Zhou et al., CVPR 2016,
/// "Learning Deep Features for Discriminative Localization"): no bias, no ReLU, no normalisation.
public struct ClassActivationMap: Sendable {
    public let width: Int
    public let height: Int
    /// height × width, row-major.
    public let values: [Float]
    /// How the picture scales it to [0, 1].
    var scale: PictureScale = .positiveMinMax

    /// How a map's values become the picture's 0…1.
    enum PictureScale: Sendable, Equatable {
        /// ReLU, then min–max (pytorch-grad-cam's class activation maps).
        case positiveMinMax
        /// |v| divided by the value below which `percent` % of the total |v| lies, clipped to 1:
        /// captum's `visualize_image_attr` with sign "absolute_value" and outlier_perc = 100 − percent.
        case absoluteCumulative(percent: Float)
    }

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
        if case .absoluteCumulative(let percent) = scale {
            let magnitude = values.map { abs($0) }
            let t = Self.cumulativeThreshold(magnitude, percent: percent)
            if !(t > epsilon) || !t.isFinite { return ([Float](repeating: 0, count: values.count), true) }
            return (magnitude.map { min($0 / t, 1) }, false)
        }
        let relu = values.map { max($0, 0) }
        let lo = relu.min() ?? 0, hi = relu.max() ?? 0
        if !(hi - lo > epsilon) || !hi.isFinite { return ([Float](repeating: 0, count: relu.count), true) }
        return (relu.map { ($0 - lo) / (hi - lo) }, false)
    }

    /// (v − min)/(max(v − min) + 1e-7): pytorch-grad-cam's `scale_cam_image`, the per-map (and
    /// per-channel) normalisation its layer fusion and FullGrad apply before resizing.
    static func minMaxScaled<C: Collection<Float>>(_ values: C) -> [Float] {
        let lo = values.min() ?? 0
        var hi: Float = 0
        for v in values { hi = max(hi, v - lo) }
        return values.map { ($0 - lo) / (1e-7 + hi) }
    }

    /// The smallest sorted value at which the running sum reaches `percent` % of the total
    /// (captum's `_cumulative_sum_threshold`, so that outliers do not wash out the picture).
    static func cumulativeThreshold(_ values: [Float], percent: Float) -> Float {
        let sorted = values.sorted()
        let total = sorted.reduce(0.0) { $0 + Double($1) }
        var running = 0.0
        for v in sorted {
            running += Double(v)
            if running >= total * Double(percent) / 100 { return v }
        }
        return sorted.last ?? 0
    }
}

