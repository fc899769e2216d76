import Inference

/// Faithfulness of a saliency map: the deletion and insertion curves of RISE (Petsiuk et al.,
/// BMVC 2018, "RISE: Randomized Input Sampling for Explanation of Black-box Models") and the
/// average drop / increase in confidence of Grad-CAM++ (Chattopadhay et al., WACV 2018).
/// Everything happens on the model input tensor (already normalised, so "deleted" pixels are 0,
/// the dataset mean), with the class probability (softmax of the logits) as the score.
public enum Faithfulness {
    /// A curve of class probabilities after 0, 1, …, n steps, and its area on [0, 1].
    public struct Curve: Sendable, Equatable, Codable {
        public var scores: [Double]
        public var auc: Double
    }

    /// Scores a batch [B, 3, H, W]: the class probability of each image.
    public typealias Scorer = (Tensor) throws -> [Double]

    /// Pixel indices by saliency, highest first; ties keep index order.
    public static func order(_ saliency: [Float]) -> [Int] {
        saliency.indices.sorted { saliency[$0] != saliency[$1] ? saliency[$0] > saliency[$1] : $0 < $1 }
    }

    /// Pixels per step k = ⌈HW/steps⌉ and the number of steps n = ⌈HW/k⌉.
    static func stepping(pixels: Int, steps: Int) -> (k: Int, n: Int) {
        let k = (pixels + steps - 1) / max(steps, 1)
        return (k, (pixels + k - 1) / k)
    }

    /// Starting from `start`, replaces the pixels (all channels) in saliency order by `finish`'s,
    /// k per step, scoring after every step; images are scored `batchSize` at a time.
    static func curve(start: Tensor, finish: Tensor, order: [Int], steps: Int, batchSize: Int, score: Scorer) throws -> Curve {
        let channels = start.shape[1], plane = start.shape[2] * start.shape[3]
        let (k, n) = stepping(pixels: plane, steps: steps)
        var current = start.data
        var scores: [Double] = []
        var pending: [Float] = []
        var pendingCount = 0
        func flush() throws {
            guard pendingCount > 0 else { return }
            scores += try score(Tensor(shape: [pendingCount, channels, start.shape[2], start.shape[3]], data: pending))
            pending.removeAll(keepingCapacity: true)
            pendingCount = 0
        }
        for step in 0...n {
            if step > 0 {
                for j in order[((step - 1) * k)..<min(step * k, plane)] {
                    for c in 0..<channels { current[c * plane + j] = finish.data[c * plane + j] }
                }
            }
            pending += current
            pendingCount += 1
            if pendingCount == batchSize { try flush() }
        }
        try flush()
        return Curve(scores: scores, auc: auc(scores))
    }

    /// Trapezoidal area of equally spaced scores on [0, 1].
    static func auc(_ p: [Double]) -> Double {
        guard p.count > 1 else { return p.first ?? 0 }
        return (p.reduce(0, +) - p[0] / 2 - p[p.count - 1] / 2) / Double(p.count - 1)
    }

    /// Deletion: from the input towards zeros. Insertion: from the blurred input towards the input.
    public static func deletion(_ x: Tensor, order: [Int], steps: Int, batchSize: Int, score: Scorer) throws -> Curve {
        try curve(start: x, finish: Tensor(shape: x.shape, data: [Float](repeating: 0, count: x.data.count)),
                  order: order, steps: steps, batchSize: batchSize, score: score)
    }

    public static func insertion(_ x: Tensor, order: [Int], steps: Int, batchSize: Int, score: Scorer) throws -> Curve {
        try curve(start: blur(x), finish: x, order: order, steps: steps, batchSize: batchSize, score: score)
    }

    /// RISE's insertion substrate: an 11-tap Gaussian (σ = 5) per channel, along rows then
    /// columns, zero-padded. A separable kernel written here: it is a dozen lines and no system
    /// library here offers a plain float convolution.
    static func blur(_ x: Tensor) -> Tensor {
        let h = x.shape[x.shape.count - 2], w = x.shape[x.shape.count - 1]
        let taps = (0..<11).map { exp(-Double(($0 - 5) * ($0 - 5)) / 50) }
        let total = taps.reduce(0, +)
        let g = taps.map { $0 / total }
        var out = [Float](repeating: 0, count: x.data.count)
        var rows = [Double](repeating: 0, count: h * w)
        for plane in stride(from: 0, to: x.data.count, by: h * w) {
            for y in 0..<h {
                for xx in 0..<w {
                    var s = 0.0
                    for t in 0..<11 {
                        let sx = xx + t - 5
                        if sx >= 0 && sx < w { s += g[t] * Double(x.data[plane + y * w + sx]) }
                    }
                    rows[y * w + xx] = s
                }
            }
            for y in 0..<h {
                for xx in 0..<w {
                    var s = 0.0
                    for t in 0..<11 {
                        let sy = y + t - 5
                        if sy >= 0 && sy < h { s += g[t] * rows[sy * w + xx] }
                    }
                    out[plane + y * w + xx] = Float(s)
                }
            }
        }
        return Tensor(shape: x.shape, data: out)
    }

    /// Confidence on the input (Y) and on the input multiplied by the saliency (O).
    public static func maskedConfidence(_ x: Tensor, saliency: [Float], score: Scorer) throws -> (original: Double, masked: Double) {
        let plane = saliency.count
        var masked = x.data
        for i in masked.indices { masked[i] *= saliency[i % plane] }
        let s = try score(Tensor(shape: [2] + x.shape.dropFirst(), data: x.data + masked))
        return (s[0], s[1])
    }

    /// Average drop (%) = 100·mean(max(0, Y − O)/Y); increase (%) = 100·mean(O > Y).
    public static func dropAndIncrease(_ pairs: [(original: Double, masked: Double)]) -> (drop: Double, increase: Double) {
        guard !pairs.isEmpty else { return (0, 0) }
        let n = Double(pairs.count)
        let drop = pairs.reduce(0) { $0 + max(0, $1.original - $1.masked) / $1.original } / n
        let increase = Double(pairs.filter { $0.masked > $0.original }.count) / n
        return (100 * drop, 100 * increase)
    }

    /// Softmax probability of `classIndex`, in double.
    public static func probability(_ logits: [Float], classIndex c: Int) -> Double {
        let m = Double(logits.max() ?? 0)
        let total = logits.reduce(0.0) { $0 + exp(Double($1) - m) }
        return exp(Double(logits[c]) - m) / total
    }
}

#if canImport(Glibc)
import Glibc
#endif
