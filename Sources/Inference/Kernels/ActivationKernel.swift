import CVectorMath

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
            vectorApply(CAMKIT_VM_SIGMOID, p, count)
        case .hardSigmoid(let alpha, let beta):
            for i in 0..<count { p[i] = min(max(alpha * p[i] + beta, 0), 1) }
        case .hardSwish:
            for i in 0..<count { let v = p[i]; p[i] = v * min(max(v / 6 + 0.5, 0), 1) }
        case .tanh:
            vectorApply(CAMKIT_VM_TANH, p, count)
        case .silu:
            vectorApply(CAMKIT_VM_SILU, p, count)
        case .erf:
            vectorApply(CAMKIT_VM_ERF, p, count)
        case .gelu:
            vectorApply(CAMKIT_VM_GELU, p, count)
        }
    }

    /// The exp/erf/tanh-based activations on glibc's vector math, at the process's CPU path.
    private func vectorApply(_ function: camkit_vm_function, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        camkit_vm_apply(CPUPath.active.vectorLevel, Int32(function.rawValue), p, count)
    }
}
