import Inference

/// `--aug-smooth`, as pytorch-grad-cam does it with ttach: the map is computed for six variants
/// of the model input — unflipped and horizontally flipped, each multiplied by 0.9, 1.0 and 1.1
/// (ttach's Multiply scales the input tensor's values, not its size) — each map is ReLU'd and
/// scaled to [0, 1] (m' = m − min, m'/(max(m') + 1e-7)), flipped back, and the six are averaged.
public enum AugmentationSmoothing {
    static let factors: [Float] = [0.9, 1.0, 1.1]

    /// One variant of the input and what the model made of it.
    struct View {
        var flipped: Bool
        var factor: Float
        var input: Tensor
        var logits: [Float]
        var features: Tensor
        /// Score-CAM's masked passes for this view, shared by its classes.
        var scoreCache = ScoreCAM.Cache()
    }

    /// Runs the model on the six variants of `input` [1, 3, H, W].
    static func views(of input: Tensor, run: (Tensor) throws -> (logits: [Float], features: Tensor)) throws -> [View] {
        var views: [View] = []
        for flipped in [false, true] {
            let base = flipped ? flip(input) : input
            for factor in factors {
                let x = Tensor(shape: base.shape, data: base.data.map { $0 * factor })
                let (logits, features) = try run(x)
                views.append(View(flipped: flipped, factor: factor, input: x, logits: logits, features: features))
            }
        }
        return views
    }

    /// The average of the views' scaled maps, flipped back; `map` computes one view's raw map.
    static func average(_ views: [View], map: (View) throws -> ClassActivationMap) throws -> ClassActivationMap {
        var sum: [Float]? = nil
        var width = 0, height = 0
        for view in views {
            let m = try map(view)
            width = m.width; height = m.height
            var scaled = scale(m.values)
            if view.flipped { scaled = flipRows(scaled, width: m.width) }
            sum = sum.map { zip($0, scaled).map(+) } ?? scaled
        }
        let n = Float(views.count)
        return ClassActivationMap(width: width, height: height, values: (sum ?? []).map { $0 / n })
    }

    /// pytorch-grad-cam's scale_cam_image after its ReLU.
    static func scale(_ values: [Float]) -> [Float] {
        let relu = values.map { max($0, 0) }
        let lo = relu.min() ?? 0
        let shifted = relu.map { $0 - lo }
        let hi = shifted.max() ?? 0
        return shifted.map { $0 / (1e-7 + hi) }
    }

    static func flip(_ t: Tensor) -> Tensor {
        Tensor(shape: t.shape, data: flipRows(t.data, width: t.shape[t.shape.count - 1]))
    }

    static func flipRows(_ values: [Float], width: Int) -> [Float] {
        var out = values
        for row in stride(from: 0, to: values.count, by: width) {
            for x in 0..<width { out[row + x] = values[row + width - 1 - x] }
        }
        return out
    }
}
