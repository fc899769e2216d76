import Inference

/// The classifier head found in a graph: the feature tensor F (K×h×w) that a global average pool
/// reduces, and the linear map from pooled features to logits folded into W (C×K) and b (C).
public struct CAMHead: Sendable {
    /// Name of the feature tensor (the pool's input).
    public let featureName: String
    /// Name of the logits value (before any Softmax).
    public let logitsName: String
    /// Whether the graph output is a Softmax of the logits.
    public let outputIsSoftmax: Bool
    /// C×K row-major.
    public let weights: [Float]
    public let bias: [Float]
    public let classes: Int
    public let channels: Int
    /// The pool node's name and op.
    public let poolNode: String
    /// For a head that is not linear after the pool: its layers, for gradients. `weights` is
    /// then empty and `classes` comes from the program.
    public var program: HeadProgram? = nil
    /// A class-token head (`CAMHead+ClassToken.swift`): `featureName` is then the default layer
    /// (a block's tokens), `poolNode` the Gather that takes the class token, and every map comes
    /// from gradients at a layer.
    public var classToken = false

    /// Whether CAM's W exists (a GAP → linear head).
    public var isLinear: Bool { program == nil && !classToken }

    /// The error for `--method cam` on this head, nil when the head is linear.
    public var camError: CAMError? {
        if classToken { return .camNeedsTokenAverage(node: poolNode) }
        return program.map { .camNeedsLinearHead(node: $0.firstNonLinear) }
    }

    /// Row c of W: the weights of class c's map.
    func classWeights(_ c: Int) -> [Float] {
        Array(weights[(c * channels)..<((c + 1) * channels)])
    }

    /// One linear step between the pooled features and the logits.
    enum LinearStep { case matrix([Float], rows: Int, cols: Int), addBias([Float]), scale(Float), passthrough }

    /// Traces the graph output back to the last global average pool: through linear nodes folded
    /// into W and b, or, when a node on the way is not linear, as a `HeadProgram`.
    static func discover(in graph: Graph, output: String? = nil) throws(CAMError) -> CAMHead {
        do { return try discoverLinear(in: graph, output: output) } catch {
            guard let out = output ?? graph.outputs.first else { throw error }
            // Not linear: evaluate the head as a program. When that fails too, its reason (the
            // node it has no rule for) is the one to give, not the first non-linear node.
            var reason = error
            if case .headNotLinear = error {
                do { return try discoverProgram(in: graph, output: out) } catch {
                    if case .headNotLinear = error { reason = error }
                }
            }
            // Found on the graph as the engine will run it: a LayerNorm written out in full
            // (opset < 17) is one node there, and its output keeps the final Add's name.
            if let head = discoverClassToken(in: GraphRewriter.optimize(graph, keep: Set(graph.outputs)), output: out) { return head }
            throw reason
        }
    }

    static func isGlobalPool(_ node: Node) -> Bool {
        switch node.op {
        case .globalAveragePool: return true
        case .reduce(.mean, let axes, _, _): return Set(axes ?? []) == [2, 3] || Set(axes ?? []) == [-1, -2]
        default: return false
        }
    }

    /// The nearest global average pool behind the logits, and the head program after it.
    static func discoverProgram(in graph: Graph, output: String) throws(CAMError) -> CAMHead {
        var logits = output, softmax = false
        if let last = graph.producer(of: output) {
            switch last.op {
            case .softmax, .logSoftmax: logits = last.inputs[0]; softmax = true
            default: break
            }
        }
        var queue = [logits], seen: Set<String> = []
        var pool: Node?
        while !queue.isEmpty, pool == nil {
            let value = queue.removeFirst()
            guard seen.insert(value).inserted, let node = graph.producer(of: value) else { continue }
            if isGlobalPool(node) { pool = node; break }
            queue += node.inputs.filter { !$0.isEmpty && graph.constants[$0] == nil }
        }
        guard let pool else { throw .noGlobalPool(output: output) }
        let program = try HeadProgram.discover(in: graph, logits: logits, pool: pool)
        var head = CAMHead(featureName: pool.inputs[0], logitsName: logits, outputIsSoftmax: softmax, weights: [],
                           bias: [], classes: program.classes, channels: program.channels, poolNode: pool.name)
        head.program = program
        return head
    }

    static func discoverLinear(in graph: Graph, output: String? = nil) throws(CAMError) -> CAMHead {
        guard let out = output ?? graph.outputs.first else { throw .noGlobalPool(output: "<none>") }
        var value = out
        var softmax = false
        // Linear steps from the pooled vector to the logits, collected output-first.
        var stepsBackward: [LinearStep] = []
        var logitsName = out
        while true {
            guard let node = graph.producer(of: value) else { throw .noGlobalPool(output: out) }
            func constant(_ i: Int) -> ConstantValue? { i < node.inputs.count ? graph.constants[node.inputs[i]] : nil }
            func runtimeInput() -> String? { node.inputs.first { !$0.isEmpty && graph.constants[$0] == nil } }
            switch node.op {
            case .softmax, .logSoftmax:
                guard stepsBackward.isEmpty, !softmax else { throw .headNotLinear(node: node.name, op: node.op.name) }
                softmax = true
                value = node.inputs[0]
                logitsName = value
                continue
            case .identity, .flatten, .reshape, .squeeze, .unsqueeze:
                stepsBackward.append(.passthrough)
                value = node.inputs[0]
                continue
            case .gemm(let alpha, let beta, let transA, let transB):
                guard !transA, let b = constant(1), case .float(let bt) = b, bt.shape.count == 2 else { throw .headNotLinear(node: node.name, op: "Gemm") }
                // B' is [K, N]; as a matrix acting on x: y = alpha · B'ᵀ x → rows N, cols K.
                let (k, n) = transB ? (bt.shape[1], bt.shape[0]) : (bt.shape[0], bt.shape[1])
                // transB with alpha 1 (PyTorch's Linear) is already rows N × cols K: shared, not copied.
                let asStored = transB && alpha == 1
                var m = asStored ? bt.data : [Float](repeating: 0, count: n * k)
                if !asStored {
                    for r in 0..<n { for c in 0..<k { m[r * k + c] = alpha * (transB ? bt.data[r * k + c] : bt.data[c * n + r]) } }
                }
                if let c = constant(2) {
                    let cv = c.floats
                    stepsBackward.append(.addBias(cv.count == n ? cv.map { $0 * beta } : [Float](repeating: (cv.first ?? 0) * beta, count: n)))
                }
                stepsBackward.append(.matrix(m, rows: n, cols: k))
                value = node.inputs[0]
                continue
            case .matMul:
                guard let b = constant(1), case .float(let bt) = b, bt.shape.count == 2 else { throw .headNotLinear(node: node.name, op: "MatMul") }
                let k = bt.shape[0], n = bt.shape[1]
                var m = [Float](repeating: 0, count: n * k)
                for r in 0..<n { for c in 0..<k { m[r * k + c] = bt.data[c * n + r] } }
                stepsBackward.append(.matrix(m, rows: n, cols: k))
                value = node.inputs[0]
                continue
            case .binary(let op) where op == .add || op == .sub:
                guard let x = runtimeInput(), let cIndex = node.inputs.firstIndex(where: { graph.constants[$0] != nil }),
                      let c = graph.constants[node.inputs[cIndex]] else { throw .headNotLinear(node: node.name, op: node.op.name) }
                if op == .sub && cIndex == 0 { throw .headNotLinear(node: node.name, op: "Sub") }
                stepsBackward.append(.addBias(c.floats.map { op == .sub ? -$0 : $0 }))
                value = x
                continue
            case .binary(.mul), .binary(.div):
                guard let x = runtimeInput(), let c = node.inputs.compactMap({ graph.constants[$0] }).first, c.floats.count == 1 else {
                    throw .headNotLinear(node: node.name, op: node.op.name)
                }
                let s = c.floats[0]
                if case .binary(.div) = node.op, node.inputs[0] != x { throw .headNotLinear(node: node.name, op: "Div") }
                stepsBackward.append(.scale({ if case .binary(.div) = node.op { return 1 / s }; return s }()))
                value = x
                continue
            case _ where isGlobalPool(node):
                return try fold(stepsBackward, feature: node.inputs[0], logits: logitsName, softmax: softmax, pool: node.name)
            default:
                throw .headNotLinear(node: node.name, op: node.op.name)
            }
        }
    }

    /// Folds the linear steps (collected output-first) into one W (C×K) and b.
    static func fold(_ steps: [LinearStep], feature: String, logits: String, softmax: Bool, pool: String) throws(CAMError) -> CAMHead {
        // Forward order: from pooled features (dimension K, unknown until the first matrix) to logits.
        var w: [Float]? = nil, rows = 0, cols = 0
        var bias: [Float]? = nil
        var scale: Float = 1
        for step in steps.reversed() {
            switch step {
            case .passthrough: break
            case .scale(let s):
                scale *= s
                if let b = bias { bias = b.map { $0 * s } }
                if let m = w { w = m.map { $0 * s } }
            case .addBias(let add):
                if let b = bias { bias = zip(b, add.count == b.count ? add : [Float](repeating: add.first ?? 0, count: b.count)).map(+) } else { bias = add }
            case .matrix(let m, let r, let c):
                if let prev = w {
                    guard c == rows else { throw .headShapeMismatch(node: pool, detail: "a \(r)×\(c) matrix after one with \(rows) rows") }
                    var product = [Float](repeating: 0, count: r * cols)
                    for i in 0..<r { for j in 0..<cols { var s: Float = 0; for t in 0..<c { s += m[i * c + t] * prev[t * cols + j] }; product[i * cols + j] = s } }
                    w = product
                    rows = r
                } else {
                    w = scale == 1 ? m : m.map { $0 * scale }
                    rows = r; cols = c
                }
                if let b = bias { bias = (0..<r).map { i in (0..<c).reduce(0) { $0 + m[i * c + $1] * b[$1] } } }
            }
        }
        guard let w else {
            // A class map before the pool (SqueezeNet/NIN): W is the identity on its channels.
            return CAMHead(featureName: feature, logitsName: logits, outputIsSoftmax: softmax, weights: [], bias: bias ?? [],
                           classes: 0, channels: 0, poolNode: pool)
        }
        return CAMHead(featureName: feature, logitsName: logits, outputIsSoftmax: softmax, weights: w,
                       bias: bias ?? [Float](repeating: 0, count: rows), classes: rows, channels: cols, poolNode: pool)
    }

    /// For an identity head (class map before the pool), fills in W = I once K is known.
    func resolved(channels k: Int) -> CAMHead {
        guard classes == 0, program == nil else { return self }
        var w = [Float](repeating: 0, count: k * k)
        for i in 0..<k { w[i * k + i] = 1 }
        return CAMHead(featureName: featureName, logitsName: logitsName, outputIsSoftmax: outputIsSoftmax, weights: w,
                       bias: bias.count == k ? bias : [Float](repeating: 0, count: k), classes: k, channels: k, poolNode: poolNode)
    }
}
