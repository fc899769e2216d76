/// Turns a graph plus concrete input shapes into an `ExecutionPlan`: shapes inferred, constant
/// subgraphs folded, each remaining node lowered to one kernel, buffers shared by liveness.
struct Planner {
    enum Value {
        case constant(ConstantValue)
        case runtime(buffer: Int, shape: [Int])
        /// A weight held in the WeightStore: known before the run, but only as a kernel operand.
        case weight(shape: [Int])

        var shape: [Int] {
            switch self {
            case .constant(let c): return c.shape
            case .runtime(_, let s): return s
            case .weight(let s): return s
            }
        }
    }

    enum BufferKind {
        case activation
        case weight(UnsafeMutablePointer<Float>)
        case planConstant([Float])
    }

    struct VirtualBuffer {
        var kind: BufferKind
        var size: Int
        var defined: Int
        var lastUse: Int
    }

    let graph: Graph
    let weights: WeightStore
    let limit: Int
    let threads: Int
    /// Set when convolutions may run on oneDNN's kernels (the CPU path is not generic).
    let packedWeights: PackedWeights?
    var values: [String: Value] = [:]
    var buffers: [VirtualBuffer] = []
    var steps: [Step] = []
    var constantBuffers: [String: Int] = [:]
    /// Buffers that keep their memory to the end of the run instead of sharing it by liveness:
    /// the forward values a gradient plan's backward pass reads. Asked once the steps are known.
    var keptToEnd: ((Planner) -> Set<Int>)?
    /// A gradient plan's tail: the native pass keeps to the steps whose backward pass runs on
    /// the native layout too (see `NativeLayoutPass.forGradients`).
    var nativeForGradients = false
    /// After the native pass: the buffers that hold a tensor in the native layout, with its
    /// [n, c, h, w].
    var nativeDims: [Int: [Int]] = [:]
    var nativeLayout: NativeLayout?

    init(graph: Graph, weights: WeightStore, limit: Int, threads: Int = 1, packedWeights: PackedWeights? = nil) {
        self.threads = threads
        self.packedWeights = packedWeights
        self.graph = graph
        self.weights = weights
        self.limit = limit
        for (name, c) in graph.constants { values[name] = .constant(c) }
        for (name, shape) in weights.shapes { values[name] = .weight(shape: shape) }
    }

    mutating func newBuffer(_ size: Int, node: String) throws(InferenceError) -> Int {
        if size > limit { throw .tensorTooLarge(node: node, elements: size, limit: limit) }
        buffers.append(VirtualBuffer(kind: .activation, size: size, defined: steps.count, lastUse: steps.count))
        return buffers.count - 1
    }

    /// The buffer holding a value for a runtime step (constants get a pinned buffer once).
    mutating func buffer(for name: String, _ value: Value) -> Int {
        switch value {
        case .runtime(let b, _):
            buffers[b].lastUse = max(buffers[b].lastUse, steps.count)
            return b
        case .weight(let shape):
            if let b = constantBuffers[name] { return b }
            buffers.append(VirtualBuffer(kind: .weight(weights.pointer(name)!), size: shape.elementCount, defined: -1, lastUse: Int.max))
            constantBuffers[name] = buffers.count - 1
            return buffers.count - 1
        case .constant(let c):
            if let b = constantBuffers[name] { return b }
            let kind: BufferKind
            if let p = weights.pointer(name) { kind = .weight(p) } else { kind = .planConstant(c.floats) }
            buffers.append(VirtualBuffer(kind: kind, size: c.shape.elementCount, defined: -1, lastUse: Int.max))
            constantBuffers[name] = buffers.count - 1
            return buffers.count - 1
        }
    }

    mutating func plan(inputs: [String: [Int]], outputs: [String]) throws(InferenceError) -> ExecutionPlan {
        var inputBindings: [(String, Int, [Int])] = []
        for input in graph.inputs where values[input.name] == nil {
            guard let shape = inputs[input.name] else { throw .badInput(name: input.name, detail: "no tensor given") }
            guard shape.count == input.shape.count else {
                throw .badInput(name: input.name, detail: "rank \(shape.count), model expects \(input.shape.count)")
            }
            for (given, wanted) in zip(shape, input.shape) where wanted != nil && wanted != given {
                throw .badInput(name: input.name, detail: "shape \(shape), model expects \(input.shape.map { $0.map(String.init) ?? "?" })")
            }
            let b = try newBuffer(shape.elementCount, node: input.name)
            buffers[b].defined = -1
            values[input.name] = .runtime(buffer: b, shape: shape)
            inputBindings.append((input.name, b, shape))
        }
        for node in graph.nodes {
            let operands: [Value?] = try node.inputs.map { name throws(InferenceError) -> Value? in
                if name.isEmpty { return nil }
                guard let v = values[name] else { throw .missingValue(name: name, node: node.name) }
                return v
            }
            let results = try lower(node, operands)
            for (name, v) in zip(node.outputs, results) where !name.isEmpty { values[name] = v }
        }
        var outputBindings: [(String, Value)] = []
        for name in outputs {
            guard let v = values[name] else { throw .missingValue(name: name, node: "<output>") }
            if case .runtime(let b, _) = v { buffers[b].lastUse = Int.max }
            outputBindings.append((name, v))
        }
        if let packedWeights { adoptNativeKernels(cache: packedWeights) }
        if let keptToEnd {
            for b in keptToEnd(self) { if case .activation = buffers[b].kind { buffers[b].lastUse = Int.max } }
        }
        return ExecutionPlan(planner: self, inputs: inputBindings, outputs: outputBindings)
    }

    func fail(_ node: Node, _ detail: String) -> InferenceError {
        .shapeMismatch(node: node.name, op: node.op.name, detail: detail)
    }

    /// Emits a step whose single output has `shape`.
    mutating func emit(_ node: Node, _ kernel: Kernel, inputs: [Int], shape: [Int]) throws(InferenceError) -> [Value] {
        let b = try newBuffer(shape.elementCount, node: node.name)
        steps.append(Step(node: node.name, opName: node.op.name, kernel: kernel, inputs: inputs, outputs: [b]))
        return [.runtime(buffer: b, shape: shape)]
    }

    mutating func runtimeInputs(_ node: Node, _ operands: [Value?]) -> [Int] {
        zip(node.inputs, operands).map { name, v in v.map { buffer(for: name, $0) } ?? -1 }
    }
}
