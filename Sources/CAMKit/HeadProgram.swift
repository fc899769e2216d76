import Inference

/// The few layers between the global pool and the logits when they are not linear (MobileNetV3's
/// Gemm → HardSwish → Gemm; timm's 1×1 `conv_head` → HardSwish → Linear): evaluated on the pooled vector, and differentiated by hand-written
/// vector–Jacobian products, so that gradient methods get ∂logit_c/∂pooled without an autograd
/// engine. Written here because only these vector ops on one pooled vector are needed; the
/// engine's kernels work on whole planned tensors and have no backward pass.
public struct HeadProgram: Sendable {
    /// The head's nodes in graph order.
    let nodes: [Node]
    /// Constants the nodes read, flattened.
    let constants: [String: ConstantValue]
    /// The pool's output (the pooled vector, however it is reshaped).
    let pooledName: String
    let logitsName: String
    /// Length of the pooled vector.
    public let channels: Int
    public private(set) var classes = 0
    var nodeCount: Int { nodes.count }
    /// The first non-linear node, for messages.
    public let firstNonLinear: String

    /// Collects the nodes between `pool`'s output and `logits` (everything the logits depend on
    /// that is not a constant or the pooled vector) and checks that each is supported.
    static func discover(in graph: Graph, logits: String, pool: Node) throws(CAMError) -> HeadProgram {
        let pooled = pool.outputs[0]
        var needed: Set<String> = [logits]
        var stack = [logits]
        // Nodes are identified by their first output (ONNX node names need not be unique).
        var chosen: Set<String> = []
        while let value = stack.popLast() {
            if value == pooled || graph.constants[value] != nil { continue }
            guard let node = graph.producer(of: value) else { throw .noGlobalPool(output: logits) }
            if chosen.contains(node.outputs[0]) { continue }
            chosen.insert(node.outputs[0])
            for input in node.inputs where !input.isEmpty && !needed.contains(input) {
                needed.insert(input)
                stack.append(input)
            }
        }
        let nodes = graph.nodes.filter { !$0.outputs.isEmpty && chosen.contains($0.outputs[0]) }
        var constants: [String: ConstantValue] = [:]
        var channels: Int?
        var firstNonLinear: String?
        for node in nodes {
            for input in node.inputs { if let c = graph.constants[input] { constants[input] = c } }
            switch node.op {
            // After a global pool every axis but the channels' is 1 (batch 1), so a Transpose
            // (ConvNeXt's LayerNorm2d permutes to channels-last and back) keeps the vector's order.
            case .identity, .flatten, .reshape, .squeeze, .unsqueeze, .binary, .transpose: break
            case .gemm(_, _, let transA, let transB):
                guard !transA, node.inputs.count >= 2, let b = graph.constants[node.inputs[1]], b.shape.count == 2 else {
                    throw .headNotLinear(node: node.name, op: "Gemm with a runtime weight")
                }
                if channels == nil { channels = transB ? b.shape[1] : b.shape[0] }
            case .matMul:
                guard node.inputs.count == 2, let b = graph.constants[node.inputs[1]], b.shape.count == 2 else {
                    throw .headNotLinear(node: node.name, op: "MatMul with a runtime weight")
                }
                if channels == nil { channels = b.shape[0] }
            case .conv(let a):
                // On the pooled [1, C, 1, 1] tensor a 1×1 convolution without padding is a matrix
                // product with W [N, C, 1, 1] (any stride or dilation leaves one cell).
                guard let w = graph.constants[node.inputs[1]], w.shape.count == 4, w.shape[2] == 1, w.shape[3] == 1,
                      a.group == 1, a.activation == nil, a.window.pads.allSatisfy({ $0 == 0 }), a.window.autoPad != .sameUpper,
                      a.window.autoPad != .sameLower,
                      node.inputs.count < 3 || node.inputs[2].isEmpty || graph.constants[node.inputs[2]] != nil else {
                    throw .headNotLinear(node: node.name, op: "Conv other than 1×1, unpadded, ungrouped")
                }
                if channels == nil { channels = w.shape[1] }
            case .activation, .clip:
                if firstNonLinear == nil { firstNonLinear = node.name }
            case .layerNormalization(let axis, _):
                // The pooled vector is [N, K]: only a normalisation over all of K is a vector op.
                guard axis == -1 || axis == 1 else { throw .headNotLinear(node: node.name, op: "LayerNormalization over axis \(axis)") }
                if firstNonLinear == nil { firstNonLinear = node.name }
            default:
                throw .headNotLinear(node: node.name, op: node.op.name + " (no gradient rule for it in the head)")
            }
            // A product or quotient of two runtime values (x·HardSigmoid(x)) is not linear either.
            if case .binary(let op) = node.op, op == .mul || op == .div, node.inputs.allSatisfy({ graph.constants[$0] == nil }), firstNonLinear == nil {
                firstNonLinear = node.name
            }
        }
        guard let k = channels else { throw .headNotLinear(node: pool.name, op: "head without a Gemm or MatMul") }
        var program = HeadProgram(nodes: nodes, constants: constants, pooledName: pooled, logitsName: logits,
                                  channels: k, firstNonLinear: firstNonLinear ?? pool.name)
        // The class count is the length of the logits: one pass on a zero vector tells it.
        program.classes = try program.logits(pooled: [Float](repeating: 0, count: k)).count
        return program
    }

    /// The logits for one pooled vector.
    public func logits(pooled p: [Float]) throws(CAMError) -> [Float] {
        try forward(p)[logitsName]!
    }

    /// ∂logit_c/∂pooled: the forward values, then the vector–Jacobian products in reverse order.
    public func gradient(pooled p: [Float], classIndex c: Int) throws(CAMError) -> [Float] {
        let values = try forward(p)
        var grads: [String: [Float]] = [:]
        var seed = [Float](repeating: 0, count: values[logitsName]!.count)
        seed[c] = 1
        grads[logitsName] = seed
        for node in nodes.reversed() {
            guard let g = grads[node.outputs[0]] else { continue }
            for (input, contribution) in vjp(node, outputGradient: g, values: values) {
                if let old = grads[input] { grads[input] = zip(old, contribution).map(+) } else { grads[input] = contribution }
            }
        }
        return grads[pooledName] ?? [Float](repeating: 0, count: p.count)
    }

    func value(_ name: String, _ values: [String: [Float]]) -> [Float]? {
        values[name] ?? constants[name]?.floats
    }

    func forward(_ p: [Float]) throws(CAMError) -> [String: [Float]] {
        var values: [String: [Float]] = [pooledName: p]
        for node in nodes {
            guard let x = value(node.inputs[0], values) else { throw .headNotLinear(node: node.name, op: node.op.name) }
            let y: [Float]
            switch node.op {
            case .gemm(let alpha, let beta, _, let transB):
                let b = constants[node.inputs[1]]!
                let (k, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
                guard x.count == k else { throw .headNotLinear(node: node.name, op: "Gemm input of \(x.count), expected \(k)") }
                let w = b.floats
                var out = [Float](repeating: 0, count: n)
                for j in 0..<n {
                    var s: Float = 0
                    for i in 0..<k { s += x[i] * (transB ? w[j * k + i] : w[i * n + j]) }
                    out[j] = alpha * s
                }
                if node.inputs.count > 2, !node.inputs[2].isEmpty, let c = constants[node.inputs[2]]?.floats {
                    for j in 0..<n { out[j] += beta * (c.count == n ? c[j] : c[0]) }
                }
                y = out
            case .conv:
                let w = constants[node.inputs[1]]!
                let (n, k) = (w.shape[0], w.shape[1])
                guard x.count == k else { throw .headNotLinear(node: node.name, op: "Conv input of \(x.count), expected \(k)") }
                let weights = w.floats
                let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? constants[node.inputs[2]]?.floats : nil
                y = (0..<n).map { j in (0..<k).reduce(Float(0)) { $0 + x[$1] * weights[j * k + $1] } + (bias?[j] ?? 0) }
            case .matMul:
                let b = constants[node.inputs[1]]!
                let (k, n) = (b.shape[0], b.shape[1])
                guard x.count == k else { throw .headNotLinear(node: node.name, op: "MatMul input of \(x.count), expected \(k)") }
                let w = b.floats
                y = (0..<n).map { j in (0..<k).reduce(Float(0)) { $0 + x[$1] * w[$1 * n + j] } }
            case .binary(let op):
                guard let other = value(node.inputs[1], values) else { throw .headNotLinear(node: node.name, op: node.op.name) }
                let n = max(x.count, other.count)
                y = (0..<n).map { i in
                    let a = x[x.count == 1 ? 0 : i], b = other[other.count == 1 ? 0 : i]
                    switch op { case .add: return a + b; case .sub: return a - b; case .mul: return a * b; case .div: return a / b }
                }
            case .activation(let a): y = x.map { Self.apply(a, $0) }
            case .layerNormalization(_, let epsilon):
                let (xhat, _) = Self.normalise(x, epsilon: epsilon)
                let (scale, bias) = layerNormParameters(node, count: x.count)
                y = xhat.indices.map { xhat[$0] * scale[$0] + bias[$0] }
            case .clip(let lo, let hi):
                let (l, h) = clipBounds(node, lo, hi)
                y = x.map { min(max($0, l), h) }
            default: y = x   // identity, flatten, reshape, squeeze, unsqueeze: a vector stays a vector
            }
            values[node.outputs[0]] = y
        }
        return values
    }

    /// (x − mean)/√(var + ε) and 1/√(var + ε), in double like the engine's kernel.
    static func normalise(_ x: [Float], epsilon: Float) -> ([Float], Double) {
        let n = Double(x.count)
        let mean = x.reduce(0.0) { $0 + Double($1) } / n
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        let inverse = 1 / (variance + Double(epsilon)).squareRoot()
        return (x.map { Float((Double($0) - mean) * inverse) }, inverse)
    }

    func layerNormParameters(_ node: Node, count: Int) -> (scale: [Float], bias: [Float]) {
        func parameter(_ i: Int, _ fallback: Float) -> [Float] {
            guard i < node.inputs.count, !node.inputs[i].isEmpty, let v = constants[node.inputs[i]]?.floats else {
                return [Float](repeating: fallback, count: count)
            }
            return v.count == count ? v : [Float](repeating: v.first ?? fallback, count: count)
        }
        return (parameter(1, 1), parameter(2, 0))
    }

    func clipBounds(_ node: Node, _ lo: Float?, _ hi: Float?) -> (Float, Float) {
        func input(_ i: Int) -> Float? { i < node.inputs.count && !node.inputs[i].isEmpty ? constants[node.inputs[i]]?.floats.first : nil }
        return (lo ?? input(1) ?? -.infinity, hi ?? input(2) ?? .infinity)
    }

    static func apply(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .relu: return max(x, 0)
        case .leakyRelu(let alpha): return x >= 0 ? x : alpha * x
        case .clip(let lo, let hi): return min(max(x, lo), hi)
        case .sigmoid: return 1 / (1 + expf(-x))
        case .hardSigmoid(let alpha, let beta): return min(max(alpha * x + beta, 0), 1)
        case .hardSwish: return x * min(max(x + 3, 0), 6) / 6
        case .tanh: return tanhf(x)
        case .silu: return x / (1 + expf(-x))
        case .erf: return erff(x)
        case .gelu: return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        }
    }

    /// dy/dx of an activation at x (PyTorch's conventions at the kinks: the open interval).
    static func derivative(_ a: Activation, _ x: Float) -> Float {
        switch a {
        case .relu: return x > 0 ? 1 : 0
        case .leakyRelu(let alpha): return x > 0 ? 1 : alpha
        case .clip(let lo, let hi): return x > lo && x < hi ? 1 : 0
        case .sigmoid: let s = 1 / (1 + expf(-x)); return s * (1 - s)
        case .hardSigmoid(let alpha, let beta): let t = alpha * x + beta; return t > 0 && t < 1 ? alpha : 0
        case .hardSwish: return x < -3 ? 0 : (x > 3 ? 1 : (2 * x + 3) / 6)
        case .tanh: let t = tanhf(x); return 1 - t * t
        case .silu: let s = 1 / (1 + expf(-x)); return s + x * s * (1 - s)
        case .erf: return 2 / Float.pi.squareRoot() * expf(-x * x)
        case .gelu: return 0.5 * (1 + erff(x * 0.70710678118654752)) + x / (2 * Float.pi).squareRoot() * expf(-0.5 * x * x)
        }
    }

    /// The gradient contributions of one node to its runtime inputs.
    func vjp(_ node: Node, outputGradient g: [Float], values: [String: [Float]]) -> [(String, [Float])] {
        let xName = node.inputs[0]
        let runtime = { (name: String) in values[name] != nil }
        switch node.op {
        case .gemm(let alpha, _, _, let transB):
            let b = constants[node.inputs[1]]!
            let (k, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            let w = b.floats
            let gx = (0..<k).map { i in alpha * (0..<n).reduce(Float(0)) { $0 + g[$1] * (transB ? w[$1 * k + i] : w[i * n + $1]) } }
            return [(xName, gx)]
        case .matMul:
            let b = constants[node.inputs[1]]!
            let (k, n) = (b.shape[0], b.shape[1])
            let w = b.floats
            return [(xName, (0..<k).map { i in (0..<n).reduce(Float(0)) { $0 + g[$1] * w[i * n + $1] } })]
        case .conv:
            let b = constants[node.inputs[1]]!
            let (n, k) = (b.shape[0], b.shape[1])
            let w = b.floats
            return [(xName, (0..<k).map { i in (0..<n).reduce(Float(0)) { $0 + g[$1] * w[$1 * k + i] } })]
        case .binary(let op):
            let a = values[xName] ?? constants[xName]!.floats
            let bName = node.inputs[1]
            let b = values[bName] ?? constants[bName]!.floats
            func at(_ v: [Float], _ i: Int) -> Float { v[v.count == 1 ? 0 : i] }
            var out: [(String, [Float])] = []
            let ga: [Float], gb: [Float]
            switch op {
            case .add: ga = g; gb = g
            case .sub: ga = g; gb = g.map { -$0 }
            case .mul: ga = g.indices.map { g[$0] * at(b, $0) }; gb = g.indices.map { g[$0] * at(a, $0) }
            case .div: ga = g.indices.map { g[$0] / at(b, $0) }; gb = g.indices.map { -g[$0] * at(a, $0) / (at(b, $0) * at(b, $0)) }
            }
            // A runtime scalar broadcast over a vector collects the sum of its gradient.
            func fitted(_ grad: [Float], to v: [Float]) -> [Float] { v.count == 1 && grad.count > 1 ? [grad.reduce(0, +)] : grad }
            if runtime(xName) { out.append((xName, fitted(ga, to: a))) }
            if runtime(bName) { out.append((bName, fitted(gb, to: b))) }
            return out
        case .activation(let act):
            let x = values[xName]!
            return [(xName, g.indices.map { g[$0] * Self.derivative(act, x[$0]) })]
        case .layerNormalization(_, let epsilon):
            // y = x̂·γ + β, x̂ = (x − μ)/σ: ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ with ĝ = g·γ.
            let x = values[xName]!
            let (xhat, inverse) = Self.normalise(x, epsilon: epsilon)
            let scale = layerNormParameters(node, count: x.count).scale
            let gh = g.indices.map { Double(g[$0]) * Double(scale[$0]) }
            let n = Double(x.count)
            let meanG = gh.reduce(0, +) / n
            let meanGX = gh.indices.reduce(0.0) { $0 + gh[$1] * Double(xhat[$1]) } / n
            return [(xName, gh.indices.map { Float((gh[$0] - meanG - Double(xhat[$0]) * meanGX) * inverse) })]
        case .clip(let lo, let hi):
            let (l, h) = clipBounds(node, lo, hi)
            let x = values[xName]!
            return [(xName, g.indices.map { x[$0] > l && x[$0] < h ? g[$0] : 0 })]
        default:
            return [(xName, g)]
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
