#if canImport(Glibc)
import Glibc
#endif

extension Activation {
    /// dx += dy · f'(x), from the input x or the output y, whichever the derivative is cheaper
    /// from. Where f' jumps (ReLU at 0, Clip at its bounds, HardSwish at ±3) the side PyTorch's
    /// autograd takes is taken, so gradients match its references.
    func addInputGradient(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, output y: UnsafePointer<Float>, count: Int,
                          into dx: UnsafeMutablePointer<Float>) {
        switch self {
        case .relu:
            for i in 0..<count where x[i] > 0 { dx[i] += dy[i] }
        case .leakyRelu(let alpha):
            for i in 0..<count { dx[i] += x[i] > 0 ? dy[i] : dy[i] * alpha }
        case .clip(let lo, let hi):
            // torch's hardtanh (ReLU6) passes the gradient strictly inside the bounds.
            for i in 0..<count { dx[i] += x[i] > lo && x[i] < hi ? dy[i] : 0 }
        case .sigmoid:
            for i in 0..<count { dx[i] += dy[i] * y[i] * (1 - y[i]) }
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<count { let t = alpha * x[i] + beta; if t > 0 && t < 1 { dx[i] += dy[i] * alpha } }
        case .hardSwish:
            // torch: 0 below −3, x/3 + 1/2 up to 3 (inclusive), 1 above.
            for i in 0..<count {
                let v = x[i]
                dx[i] += v < -3 ? 0 : v <= 3 ? dy[i] * (v / 3 + 0.5) : dy[i]
            }
        case .tanh:
            for i in 0..<count { dx[i] += dy[i] * (1 - y[i] * y[i]) }
        case .silu:
            for i in 0..<count {
                let v = x[i], s = 1 / (1 + expf(-v))
                dx[i] += dy[i] * s * (1 + v * (1 - s))
            }
        case .erf:
            let c: Float = 2 / Float.pi.squareRoot()
            for i in 0..<count { dx[i] += dy[i] * c * expf(-x[i] * x[i]) }
        case .gelu:
            // Φ(x) + x·φ(x), φ the standard normal density.
            let c: Float = 1 / (2 * Float.pi).squareRoot()
            for i in 0..<count {
                let v = x[i]
                dx[i] += dy[i] * (0.5 * (1 + erff(v * 0.70710678118654752)) + v * c * expf(-0.5 * v * v))
            }
        }
    }
}

extension Activation {
    /// Whether f' can be had from the output alone (so a convolution keeps this activation
    /// fused in a gradient plan, and only its output is kept): true for the monotone ones,
    /// whose output says which side of every kink the input was on.
    var derivativeFromOutput: Bool {
        switch self {
        case .relu, .clip, .sigmoid, .hardSigmoid, .tanh: return true
        case .leakyRelu(let alpha): return alpha > 0
        case .hardSwish, .silu, .erf, .gelu: return false
        }
    }

    /// g[i] = dy[i] · f'(x[i]) from the output y (only where `derivativeFromOutput`); the same
    /// sides of the kinks as `addInputGradient`: strictly inside a Clip, y > 0 for ReLU.
    func outputGradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, count: Int, into g: UnsafeMutablePointer<Float>) {
        switch self {
        case .relu:
            Self.passInside(dy, y, count: count, low: 0, high: .infinity, into: g)
        case .leakyRelu(let alpha):
            for i in 0..<count { g[i] = y[i] > 0 ? dy[i] : dy[i] * alpha }
        case .clip(let lo, let hi):
            Self.passInside(dy, y, count: count, low: lo, high: hi, into: g)
        case .sigmoid:
            for i in 0..<count { g[i] = dy[i] * y[i] * (1 - y[i]) }
        case .hardSigmoid(let alpha, _):
            for i in 0..<count { g[i] = y[i] > 0 && y[i] < 1 ? dy[i] * alpha : 0 }
        case .tanh:
            for i in 0..<count { g[i] = dy[i] * (1 - y[i] * y[i]) }
        case .hardSwish, .silu, .erf, .gelu:
            preconditionFailure("\(self): its derivative needs the input")
        }
    }
}

extension Activation {
    /// g = dy where low < y < high, else 0, eight lanes at a time (the scalar select did not
    /// vectorise: it was a fifth of an input gradient's time).
    static func passInside(_ dy: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int, low: Float, high: Float,
                           into g: UnsafeMutablePointer<Float>) {
        let lo = SIMD8<Float>(repeating: low), hi = SIMD8<Float>(repeating: high), zero = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
            let inside = (v .> lo) .& (v .< hi)
            UnsafeMutableRawPointer(g + i).storeBytes(of: zero.replacing(with: d, where: inside), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { g[i] = y[i] > low && y[i] < high ? dy[i] : 0; i += 1 }
    }
}

/// Backward rules of the broadcasting arithmetic.
enum ElementwiseVJP {
    /// d += scale · dy summed over the axes along which `shape` was broadcast to `outShape`.
    static func reduceBroadcast(_ dy: UnsafePointer<Float>, outShape: [Int], into d: UnsafeMutablePointer<Float>, shape: [Int], scale: Float) {
        let count = outShape.elementCount
        if shape.elementCount == count {
            for i in 0..<count { d[i] += scale * dy[i] }
            return
        }
        let map = Broadcast.offsets(of: shape, in: outShape)
        for o in 0..<count { d[map[o]] += scale * dy[o] }
    }

    static func binary(_ op: BinaryOp, _ dy: UnsafePointer<Float>, outShape: [Int],
                       a: UnsafePointer<Float>, aShape: [Int], b: UnsafePointer<Float>, bShape: [Int],
                       da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        let count = outShape.elementCount
        let same = aShape.elementCount == count && bShape.elementCount == count
        if same && (op == .add || op == .sub) {   // a residual add: plain loops that vectorise
            if let da { for o in 0..<count { da[o] += dy[o] } }
            if let db, op == .add { for o in 0..<count { db[o] += dy[o] } }
            if let db, op == .sub { for o in 0..<count { db[o] -= dy[o] } }
            return
        }
        let ia = same ? [] : Broadcast.offsets(of: aShape, in: outShape), ib = same ? [] : Broadcast.offsets(of: bShape, in: outShape)
        @inline(__always) func ai(_ o: Int) -> Int { same ? o : ia[o] }
        @inline(__always) func bi(_ o: Int) -> Int { same ? o : ib[o] }
        switch op {
        case .add, .sub:
            if let da { for o in 0..<count { da[ai(o)] += dy[o] } }
            if let db { let s: Float = op == .add ? 1 : -1; for o in 0..<count { db[bi(o)] += s * dy[o] } }
        case .mul:
            if let da { for o in 0..<count { da[ai(o)] += dy[o] * b[bi(o)] } }
            if let db { for o in 0..<count { db[bi(o)] += dy[o] * a[ai(o)] } }
        case .div:
            if let da { for o in 0..<count { da[ai(o)] += dy[o] / b[bi(o)] } }
            if let db { for o in 0..<count { let q = b[bi(o)]; db[bi(o)] -= dy[o] * a[ai(o)] / (q * q) } }
        }
    }

    static func prelu(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, xShape: [Int], slope: UnsafePointer<Float>, slopeShape: [Int],
                      outShape: [Int], into dx: UnsafeMutablePointer<Float>) {
        let map = Broadcast.offsets(of: slopeShape, in: outShape)
        // torch's prelu_backward passes dy only where x > 0 (the slope side at 0).
        for o in 0..<outShape.elementCount { dx[o] += x[o] > 0 ? dy[o] : dy[o] * slope[map[o]] }
    }
}
