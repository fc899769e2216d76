import CDNNLShim

/// The native-kernel pass: after lowering, convolutions oneDNN can run switch to its kernels on
/// its native activation layout, and the layout is carried from convolution to convolution
/// through the steps that do not care about it (elementwise activations, same-shape binary
/// operations), so a chain of convolutions runs without reorders. A reorder to the plain NCHW
/// layout is inserted once per value before the first step that needs it, and plan outputs are
/// always plain.
extension Planner {
    mutating func adoptNativeKernels(cache: PackedWeights) {
        // Some oneDNN kernels fix their thread count when created: create them with the plan's.
        camkit_dnnl_set_threads(Int32(threads))
        var pass = NativeLayoutPass(planner: self, cache: cache)
        pass.run()
        steps = pass.steps
        buffers = pass.buffers
        recomputeLiveness()
    }

    /// Sets each activation buffer's first definition and last use from the steps (plan inputs
    /// stay defined before the first step; plan outputs stay alive to the end).
    mutating func recomputeLiveness() {
        var defined = [Int?](repeating: nil, count: buffers.count)
        var lastRead = [Int](repeating: Int.min, count: buffers.count)
        for (i, step) in steps.enumerated() {
            for o in step.outputs where defined[o] == nil { defined[o] = i }
            for x in step.inputs where x >= 0 { lastRead[x] = max(lastRead[x], i) }
        }
        for b in buffers.indices {
            guard case .activation = buffers[b].kind else { continue }
            if let d = defined[b] { buffers[b].defined = d }
            if buffers[b].lastUse != Int.max { buffers[b].lastUse = max(lastRead[b], buffers[b].defined) }
        }
    }
}

/// The state of one native-layout pass over a plan's steps.
struct NativeLayoutPass {
    var steps: [Step] = []
    var buffers: [Planner.VirtualBuffer]
    let original: [Step]
    let cache: PackedWeights
    /// Buffers that hold a [n, c, h, w] tensor in the native layout, with its dims.
    var native: [Int: [Int]] = [:]
    var plainCopy: [Int: Int] = [:]
    var nativeCopy: [Int: Int] = [:]
    /// Plan outputs: read in the plain layout after the run.
    let outputs: Set<Int>

    init(planner: Planner, cache: PackedWeights) {
        buffers = planner.buffers
        original = planner.steps
        self.cache = cache
        outputs = Set(planner.buffers.indices.filter {
            if case .activation = planner.buffers[$0].kind { return planner.buffers[$0].lastUse == Int.max }
            return false
        })
    }

    mutating func run() {
        for step in original {
            if adoptNative(step) { continue }
            var plain = step
            plain.inputs = step.inputs.map { $0 >= 0 && native[$0] != nil ? plainVersion(of: $0, node: step.node) : $0 }
            steps.append(plain)
        }
    }

    /// Emits `step` on the native layout when it can run there; false when it must run plain.
    mutating func adoptNative(_ step: Step) -> Bool {
        switch step.kernel {
        case .conv(let conv):
            guard let nativeConv = makeConvolution(conv, step) else { return false }
            let inDims = [conv.batch, conv.inChannels, conv.inHeight, conv.inWidth]
            let outDims = [conv.batch, conv.outChannels, conv.outHeight, conv.outWidth]
            let src: Int
            if nativeConv.plainSource {
                src = native[step.inputs[0]] != nil ? plainVersion(of: step.inputs[0], node: step.node) : step.inputs[0]
            } else {
                guard let s = nativeVersion(of: step.inputs[0], dims: inDims, node: step.node) else { return false }
                src = s
            }
            var inputs = step.inputs
            inputs[0] = src
            emitNative(step, .nativeConv(nativeConv), inputs: inputs, dims: outDims)
            return true
        case let .activation(a, _):
            guard let x = heldNatively(step.inputs[0]), let dims = native[x] else { return false }
            emitNative(step, .activation(a, count: NativeReorder.nativeCount(dims)), inputs: [x], dims: dims)
            return true
        case let .binary(op, a, b, out):
            // Same-shaped operands, both held natively (or one already reordered for a convolution).
            guard a == b, b == out, step.inputs.count == 2 else { return false }
            let held = step.inputs.map(heldNatively)
            guard let first = held[0], let second = held[1], let dims = native[first], native[second] == dims else { return false }
            let count = [NativeReorder.nativeCount(dims)]
            emitNative(step, .binary(op, a: count, b: count, out: count), inputs: [first, second], dims: dims)
            return true
        default:
            return false
        }
    }

    /// `b` itself when native, else its native copy if one was made; nil when only plain.
    func heldNatively(_ b: Int) -> Int? { native[b] != nil ? b : nativeCopy[b] }

    /// Emits a step whose output is native; a plan output gets a native temporary and a reorder.
    mutating func emitNative(_ step: Step, _ kernel: Kernel, inputs: [Int], dims: [Int]) {
        let dst = step.outputs[0]
        let count = NativeReorder.nativeCount(dims)
        if outputs.contains(dst), let back = NativeReorder(dims: dims, toNative: false) {
            let temporary = newBuffer(count)
            steps.append(Step(node: step.node, opName: step.opName, kernel: kernel, inputs: inputs, outputs: [temporary]))
            steps.append(Step(node: step.node, opName: "Reorder", kernel: .reorder(back), inputs: [temporary], outputs: [dst]))
            // Later native steps read the temporary rather than reordering the output back.
            native[temporary] = dims
            nativeCopy[dst] = temporary
            return
        }
        buffers[dst].size = max(buffers[dst].size, count)
        native[dst] = dims
        steps.append(Step(node: step.node, opName: step.opName, kernel: kernel, inputs: inputs, outputs: [dst]))
    }

    /// oneDNN's kernel for `conv` when its weights and bias are known before the run.
    func makeConvolution(_ conv: Conv2D, _ step: Step) -> NativeConvolution? {
        guard step.inputs.count >= 2, step.inputs[1] >= 0 else { return nil }
        let hasBias = step.inputs.count > 2 && step.inputs[2] >= 0
        if hasBias, case .activation = buffers[step.inputs[2]].kind { return nil }
        switch buffers[step.inputs[1]].kind {
        case .activation: return nil
        case .weight(let p): return NativeConvolution.make(conv, weights: p, hasBias: hasBias, cache: cache)
        case .planConstant(let data):
            return data.withUnsafeBufferPointer { NativeConvolution.make(conv, weights: $0.baseAddress!, hasBias: hasBias, cache: nil) }
        }
    }

    mutating func newBuffer(_ size: Int) -> Int {
        buffers.append(Planner.VirtualBuffer(kind: .activation, size: size, defined: steps.count, lastUse: steps.count))
        return buffers.count - 1
    }

    /// The buffer holding `b` in the native layout for `dims`, reordering it once if needed.
    mutating func nativeVersion(of b: Int, dims: [Int], node: String) -> Int? {
        if native[b] == dims { return b }
        if let copy = nativeCopy[b] { return copy }
        let source = native[b] != nil ? plainVersion(of: b, node: node) : b
        guard let reorder = NativeReorder(dims: dims, toNative: true) else { return nil }
        let copy = newBuffer(NativeReorder.nativeCount(dims))
        steps.append(Step(node: node, opName: "Reorder", kernel: .reorder(reorder), inputs: [source], outputs: [copy]))
        native[copy] = dims
        nativeCopy[b] = copy
        return copy
    }

    /// The buffer holding native `b` in the plain layout, reordering it once.
    mutating func plainVersion(of b: Int, node: String) -> Int {
        if let copy = plainCopy[b] { return copy }
        let dims = native[b]!
        // A reorder exists for every layout a convolution accepted: creation cannot fail here.
        let reorder = NativeReorder(dims: dims, toNative: false)!
        let copy = newBuffer(dims.reduce(1, *))
        steps.append(Step(node: node, opName: "Reorder", kernel: .reorder(reorder), inputs: [b], outputs: [copy]))
        plainCopy[b] = copy
        return copy
    }
}
