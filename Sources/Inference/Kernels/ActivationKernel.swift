#if canImport(Glibc)
import Glibc
#endif

extension Activation {
    /// Applies the activation in place to `count` values.
    public func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            for i in 0..<count { p[i] = max(p[i], 0) }
        case .leakyRelu(let alpha):
            for i in 0..<count { let v = p[i]; p[i] = v < 0 ? v * alpha : v }
        case .clip(let lo, let hi):
            for i in 0..<count { p[i] = min(max(p[i], lo), hi) }
        case .sigmoid:
            for i in 0..<count { p[i] = 1 / (1 + expf(-p[i])) }
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<count { p[i] = min(max(alpha * p[i] + beta, 0), 1) }
        case .hardSwish:
            for i in 0..<count { let v = p[i]; p[i] = v * min(max(v / 6 + 0.5, 0), 1) }
        case .tanh:
            for i in 0..<count { p[i] = tanhf(p[i]) }
        case .silu:
            for i in 0..<count { let v = p[i]; p[i] = v / (1 + expf(-v)) }
        case .erf:
            for i in 0..<count { p[i] = erff(p[i]) }
        case .gelu:
            for i in 0..<count { let v = p[i]; p[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
        }
    }
}
