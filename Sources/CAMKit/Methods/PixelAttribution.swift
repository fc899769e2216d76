#if canImport(Glibc)
import Glibc
#endif
import Inference

/// Attributions to the input pixels, from ∂y_c/∂x through the whole network
/// (`ClassifierSession.inputGradient`). Each gives A [3, H, W] at the model input; the map is
/// Σ over channels (captum's `visualize_image_attr` reduction) and its picture is drawn the way
/// captum draws it by default (|map| scaled by its 98 % cumulative threshold).
public enum PixelAttribution {
    /// Where Integrated Gradients' path starts.
    public enum Baseline: String, Sendable, CaseIterable, Codable {
        /// The black image (0 in every channel before normalisation).
        case black
        /// The input blurred by a Gaussian of σ = 5 model-input pixels.
        case blur
    }

    /// The knobs of the pixel methods, with captum's usual values.
    public struct Options: Sendable, Codable, Equatable {
        /// Integrated Gradients' path points (riemann_trapezoid).
        public var steps = 32
        public var baseline: Baseline = .black
        /// SmoothGrad's noisy copies, and the noise's σ as a fraction of the input's range.
        public var samples = 16
        public var noise: Float = 0.15
        /// SmoothGrad's noise seed: the same seed, the same map.
        public var seed: UInt64 = 0
        /// Occlusion's square window and its stride, in model-input pixels.
        public var occlusionWindow = 32
        public var occlusionStride = 16
        /// RISE's masks, the cells per side of their random grid, and the share of cells kept.
        public var riseMasks = 1000
        public var riseCells = 7
        public var riseKeep: Float = 0.5
        public init() {}
    }

    /// The attribution A [3, H, W] of class `c` for `x` [1, 3, H, W]. `gradient` returns
    /// ∂y_c/∂x for one input; `noise` draws SmoothGrad's i-th noise tensor (seeded Gaussian by
    /// default; tests feed a reference's own noise).
    static func attribution(_ method: CAMMethod, x: Tensor, options: Options, blackInput: [Float],
                            gradient: (Tensor) throws -> [Float], noise: ((Int) -> [Float])? = nil) throws -> [Float] {
        switch method {
        case .saliency:
            return try gradient(x).map(abs)
        case .occlusion, .fullgrad, .rise:
            preconditionFailure("\(method) has its own entry point (PixelAttribution.occlusion, FullGrad.map)")
        case .guidedbackprop, .guidedgradcam:
            // The gradient closure runs with guided ReLUs for these (see `MapMaker`); Guided
            // Grad-CAM's product with the class map is taken there.
            return try gradient(x)
        case .smoothgrad:
            let range = (x.data.max() ?? 0) - (x.data.min() ?? 0)
            var rng = GaussianNoise(seed: options.seed)
            var sum = [Float](repeating: 0, count: x.count)
            for i in 0..<options.samples {
                let e = noise?(i) ?? (0..<x.count).map { _ in rng.next() * options.noise * range }
                let g = try gradient(Tensor(shape: x.shape, data: zip(x.data, e).map(+)))
                for j in sum.indices { sum[j] += abs(g[j]) }
            }
            return sum.map { $0 / Float(max(options.samples, 1)) }
        case .integratedgradients:
            let base = options.baseline == .black ? blackInput : blurred(x, sigma: 5)
            let m = max(options.steps, 2)
            // riemann_trapezoid: α_k = k/(m−1), weights 1/(m−1) halved at both ends.
            var average = [Float](repeating: 0, count: x.count)
            for k in 0..<m {
                let alpha = Float(k) / Float(m - 1)
                let weight = (k == 0 || k == m - 1 ? 0.5 : 1) / Float(m - 1)
                let point = Tensor(shape: x.shape, data: zip(base, x.data).map { $0 + alpha * ($1 - $0) })
                let g = try gradient(point)
                for j in average.indices { average[j] += weight * g[j] }
            }
            return (0..<x.count).map { (x.data[$0] - base[$0]) * average[$0] }
        default:
            preconditionFailure("\(method) is not a pixel attribution")
        }
    }

    /// Occlusion (captum's `Occlusion` with sliding window (3, k, k), strides (3, s, s) and
    /// baseline 0): for each window position — ⌈(H − k)/s⌉ + 1 per axis, the last ones cut at the
    /// edge — the input with the window set to 0 in all channels; each pixel gets the mean of
    /// y_c(x) − y_c(occluded) over the windows that cover it, in every channel. `logits` runs a
    /// batch [B, 3, H, W]; `batchSize` images per call.
    static func occlusion(_ x: Tensor, classIndex c: Int, window k: Int, stride s: Int, batchSize: Int,
                          cache: ScoreCache = .init(), logits: (Tensor) throws -> [[Float]]) throws -> [Float] {
        let h = x.shape[2], w = x.shape[3], plane = h * w
        func starts(_ n: Int) -> [Int] {
            let count = n <= k ? 1 : (n - k + s - 1) / s + 1
            return (0..<count).map { $0 * s }.filter { $0 < n }
        }
        let windows = starts(h).flatMap { y in starts(w).map { (y, $0) } }
        // The occluded inputs' logits do not depend on the class: run once per photo (the
        // unoccluded input's first), kept in `cache` for its other classes.
        let scores = try cache.scores(of: x, count: windows.count + 1, batchSize: batchSize, logits: logits) { i, input in
            guard i > 0 else { return }   // 0: the unoccluded input
            let (y0, x0) = windows[i - 1]
            for ch in 0..<3 { for yy in y0..<min(y0 + k, h) { for xx in x0..<min(x0 + k, w) { input[ch * plane + yy * w + xx] = 0 } } }
        }
        let base = scores[0][c]
        var total = [Float](repeating: 0, count: plane), covered = [Float](repeating: 0, count: plane)
        for (i, (y0, x0)) in windows.enumerated() {
            let drop = base - scores[i + 1][c]
            for yy in y0..<min(y0 + k, h) { for xx in x0..<min(x0 + k, w) { total[yy * w + xx] += drop; covered[yy * w + xx] += 1 } }
        }
        let perPixel = zip(total, covered).map { $1 > 0 ? $0 / $1 : 0 }
        return perPixel + perPixel + perPixel
    }

    /// Logits of a photo's perturbed inputs (occlusion's windows, RISE's masks), which every
    /// class shares: one cache per photo and method.
    final class ScoreCache {
        var scores: [[Float]]?
        init() {}

        /// The logits of `count` perturbed copies of x (`perturb` turns copy i into its input,
        /// in order), run in batches of `batchSize` the first time and kept after.
        func scores(of x: Tensor, count: Int, batchSize: Int, logits: (Tensor) throws -> [[Float]],
                    perturb: (Int, inout [Float]) -> Void) throws -> [[Float]] {
            if let scores { return scores }
            var result: [[Float]] = []
            while result.count < count {
                let n = min(max(batchSize, 1), count - result.count)
                var data = [Float]()
                data.reserveCapacity(n * x.count)
                for i in result.count..<(result.count + n) {
                    var copy = x.data
                    perturb(i, &copy)
                    data += copy
                }
                result += try logits(Tensor(shape: [n] + Array(x.shape.dropFirst()), data: data))
            }
            scores = result
            return result
        }
    }

    /// Σ over the three channels of A [3, H, W]: the map at the input's resolution.
    static func channelSum(_ a: [Float], height: Int, width: Int) -> [Float] {
        let n = height * width
        return (0..<n).map { a[$0] + a[n + $0] + a[2 * n + $0] }
    }

    /// Each channel of x [1, 3, H, W] blurred by a separable Gaussian (edges clamped).
    static func blurred(_ x: Tensor, sigma: Float) -> [Float] {
        let h = x.shape[2], w = x.shape[3], r = Int((3 * sigma).rounded(.up))
        var kernel = (-r...r).map { d in expf(-Float(d * d) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var out = x.data, tmp = x.data
        for c in 0..<3 {
            let base = c * h * w
            for y in 0..<h { for xx in 0..<w {
                var s: Float = 0
                for d in -r...r { s += kernel[d + r] * x.data[base + y * w + min(max(xx + d, 0), w - 1)] }
                tmp[base + y * w + xx] = s
            } }
            for y in 0..<h { for xx in 0..<w {
                var s: Float = 0
                for d in -r...r { s += kernel[d + r] * tmp[base + min(max(y + d, 0), h - 1) * w + xx] }
                out[base + y * w + xx] = s
            } }
        }
        return out
    }
}

/// Standard normal draws from a seeded SplitMix64 (Box–Muller), so SmoothGrad's maps are
/// reproducible run to run and machine to machine.
struct GaussianNoise {
    var state: UInt64
    var spare: Float?
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }

    mutating func next() -> Float {
        if let s = spare { spare = nil; return s }
        let u = uniform(), v = uniform()
        let radius = (-2 * log(u)).squareRoot()
        spare = Float(radius * sin(2 * .pi * v))
        return Float(radius * cos(2 * .pi * v))
    }
}
