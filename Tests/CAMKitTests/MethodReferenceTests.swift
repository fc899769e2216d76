@testable import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// Each method against a naive reference written from its paper's definition with plain loops
/// and no closed form: gradients of the logit with respect to every feature value by central
/// differences of the head's forward pass, then the textbook per-position formulas; ablation by
/// recomputing the logit with a channel zeroed; the principal component by power iteration.
/// Random features (seeded) and a random GAP → linear head.
@Suite("methods: naive references")
struct MethodReferenceTests {
    static let k = 6, h = 3, w = 4, classes = 3

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24) }
    }

    static func problem(seed: UInt64) -> (MethodInput, features: [Float], weights: [Float], bias: [Float]) {
        var g = Generator(state: seed)
        // Non-negative features (after a ReLU, as in the models), a few exact zeros.
        let f = (0..<(k * h * w)).map { _ in max(0, g.uniform(-0.3, 2)) }
        let weights = (0..<(classes * k)).map { _ in g.uniform(-1, 1) }
        let bias = (0..<classes).map { _ in g.uniform(-0.5, 0.5) }
        let head = CAMHead(featureName: "f", logitsName: "y", outputIsSoftmax: false, weights: weights, bias: bias,
                           classes: classes, channels: k, poolNode: "pool")
        var logits = [Float](repeating: 0, count: classes)
        for c in 0..<classes { logits[c] = Float(logit(f, weights, bias, c)) }
        let input = MethodInput(features: Tensor(shape: [k, h, w], data: f), logits: logits, head: head, classIndex: 0)
        return (input, f, weights, bias)
    }

    /// logit_c = b_c + Σ_k W[c,k]·mean(F_k), in double, plain loops.
    static func logit(_ f: [Float], _ weights: [Float], _ bias: [Float], _ c: Int) -> Double {
        var y = Double(bias[c])
        for ch in 0..<k {
            var s = 0.0
            for i in 0..<(h * w) { s += Double(f[ch * h * w + i]) }
            y += Double(weights[c * k + ch]) * s / Double(h * w)
        }
        return y
    }

    /// ∂logit_c/∂F[k,i,j] at every feature value, by central differences.
    static func numericGradients(_ f: [Float], _ weights: [Float], _ bias: [Float], _ c: Int) -> [Double] {
        (0..<f.count).map { i in
            var up = f, down = f
            let step: Float = 1e-2
            up[i] += step; down[i] -= step
            return (logit(up, weights, bias, c) - logit(down, weights, bias, c)) / Double(2 * step)
        }
    }

    static func normalised(_ m: [Double]) -> [Float] {
        ClassActivationMap(width: w, height: h, values: m.map { Float($0) }).normalized().values
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) throws -> Float { try maxAbsDifference(a, b) }

    @Test(arguments: [UInt64(1), 2, 3])
    func gradientMethodsFollowTheirDefinitions(seed: UInt64) throws {
        let (input, f, weights, bias) = Self.problem(seed: seed)
        let n = Self.h * Self.w
        let grads = Self.numericGradients(f, weights, bias, 0)
        func map(_ alpha: [Double]) -> [Double] {
            (0..<n).map { i in (0..<Self.k).reduce(0.0) { $0 + alpha[$1] * Double(f[$1 * n + i]) } }
        }
        func channel(_ ch: Int) -> Range<Int> { (ch * n)..<((ch + 1) * n) }
        // Grad-CAM: α_k = mean over positions of the gradient.
        let gradcam = map((0..<Self.k).map { ch in grads[channel(ch)].reduce(0, +) / Double(n) })
        // HiResCAM: Σ_k grad ⊙ F, element-wise.
        let hirescam = (0..<n).map { i in (0..<Self.k).reduce(0.0) { $0 + grads[$1 * n + i] * Double(f[$1 * n + i]) } }
        // XGrad-CAM: α_k = Σ grad·F / (Σ F + 1e-7).
        let xgradcam = map((0..<Self.k).map { ch in
            let s = f[channel(ch)].reduce(0.0) { $0 + Double($1) }
            return channel(ch).reduce(0.0) { $0 + grads[$1] * Double(f[$1]) } / (s + 1e-7)
        })
        // Grad-CAM++ (eq. 19): a = g²/(2g² + Σ_ab F_ab · g³ + ε) per position, α_k = Σ relu(g)·a.
        let gradcampp = map((0..<Self.k).map { ch in
            let s = f[channel(ch)].reduce(0.0) { $0 + Double($1) }
            return channel(ch).reduce(0.0) { acc, i in
                let g = grads[i]
                let a = g == 0 ? 0 : g * g / (2 * g * g + s * g * g * g + 1e-6)
                return acc + max(g, 0) * a
            }
        })
        for (method, reference) in [(CAMMethod.gradcam, gradcam), (.hirescam, hirescam), (.xgradcam, xgradcam), (.gradcampp, gradcampp)] {
            let raw = try MethodMap.raw(method, input)
            // Central differences of a linear function are exact up to float rounding of the step.
            // Measured: 3.6e-7 worst; bound 5e-6 (14×), was 1e-4.
            #expect(within(try Self.maxDifference(raw.normalized().values, Self.normalised(reference)), 5e-6, "naive.\(method).\(seed)"), "\(method)")
            // The raw map itself, in the definition's units (a scale error hides in normalised maps).
            // Measured: 1.1e-6 worst (the float32 step of the central differences); bound 2e-5 (19×), was none.
            #expect(within(relativeError(raw.values, reference.map { Float($0) }), 2e-5, "naive.raw.\(method).\(seed)"), "\(method) raw")
        }
    }

    @Test(arguments: [UInt64(4), 5])
    func ablationRecomputesTheLogit(seed: UInt64) throws {
        let (input, f, weights, bias) = Self.problem(seed: seed)
        let n = Self.h * Self.w
        let y = Self.logit(f, weights, bias, 0)
        let alpha = (0..<Self.k).map { ch -> Double in
            var ablated = f
            for i in (ch * n)..<((ch + 1) * n) { ablated[i] = 0 }
            return (y - Self.logit(ablated, weights, bias, 0)) / abs(y)
        }
        let reference = (0..<n).map { i in (0..<Self.k).reduce(0.0) { $0 + alpha[$1] * Double(f[$1 * n + i]) } }
        // Measured: 1.2e-7; bound 5e-6 (42×), was 1e-4.
        #expect(within(try Self.maxDifference(try MethodMap.raw(.ablationcam, input).normalized().values, Self.normalised(reference)), 5e-6, "naive.ablation.\(seed)"))
        // Measured: 1.5e-7; bound 5e-6 (33×).
        #expect(within(relativeError(try MethodMap.raw(.ablationcam, input).values, reference.map { Float($0) }), 5e-6, "naive.raw.ablation.\(seed)"))
    }

    /// The projection on the first principal component of the centred positions × channels
    /// matrix, by power iteration on XᵀX (K×K), with camkit's sign rule (positive skew).
    @Test(arguments: [UInt64(6), 7])
    func eigenCAMIsTheFirstPrincipalComponent(seed: UInt64) throws {
        let (input, f, _, _) = Self.problem(seed: seed)
        let n = Self.h * Self.w, k = Self.k
        var x = [[Double]](repeating: [Double](repeating: 0, count: k), count: n)
        for ch in 0..<k {
            let mean = (0..<n).reduce(0.0) { $0 + Double(f[ch * n + $1]) } / Double(n)
            for i in 0..<n { x[i][ch] = Double(f[ch * n + i]) - mean }
        }
        var v = [Double](repeating: 1, count: k)
        for _ in 0..<2000 {
            let xv = x.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
            var next = [Double](repeating: 0, count: k)
            for i in 0..<n { for ch in 0..<k { next[ch] += x[i][ch] * xv[i] } }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = next.map { $0 / norm }
        }
        var projection = x.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
        // camkit's sign rule: the projection's third moment is positive.
        if projection.reduce(0, { $0 + $1 * $1 * $1 }) < 0 { projection = projection.map { -$0 } }
        let ours = try MethodMap.raw(.eigencam, input).values
        // Measured: 0; bound 1e-6 relative (a few float32 ulps), was 1e-4.
        #expect(within(try Self.maxDifference(ours, projection.map { Float($0) }) / Float(projection.map(abs).max()!), 1e-6, "naive.eigencam.\(seed)"))
    }
}
