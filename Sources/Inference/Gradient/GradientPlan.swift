/// What one gradient run gives: the output, and the value and gradient of each target.
public struct GradientResult: Sendable {
    /// The differentiated output (the logits), as the forward pass computed it.
    public var output: Tensor
    /// Each target's activation.
    public var values: [String: Tensor]
    /// ∂output[seed]/∂target for each target, same shape as the target.
    public var gradients: [String: Tensor]
}

/// Reverse mode over an execution plan: activation gradients of one output element with respect
/// to chosen values (layers, or the image), never parameter gradients.
///
/// Two plans run. The context plan (oneDNN kernels, memory shared by liveness, pruned to what
/// is needed) computes the targets and every other value the tail reads. The tail plan runs the
/// nodes between the targets and the output — its convolutions on oneDNN's native layout where
/// oneDNN also has their backward-data kernel, the rest on the plain NCHW kernels — and keeps
/// the values the backward pass reads: an activation's input or output, a max pool's input, a
/// product's two operands. Nothing before the earliest target is kept. Backward walks the tail's steps in reverse; each kernel's
/// vector–Jacobian product (`Gradient/*VJP.swift`) adds its contribution to its inputs'
/// gradients, so a value read twice (a residual branch) sums both.
/// Not thread-safe: one per worker, like `ExecutionPlan`.
public final class GradientPlan {
    let context: ExecutionPlan?
    public let tail: ExecutionPlan
    let imageInput: String
    /// Tail inputs in binding order; the image input itself where a target or context is the image.
    let tailInputs: [String]
    let targets: [(name: String, buffer: Int, shape: [Int])]
    let outputBuffer: Int
    let outputShape: [Int]
    /// Per tail buffer: its gradient, nil where no target reaches it (buffers whose gradients
    /// never coexist share memory: see `GradientPlan+Memory.swift`).
    let gradients: [UnsafeMutablePointer<Float>?]
    let gradientSlots: [UnsafeMutablePointer<Float>]
    /// Each tail buffer's shape (of the value that owns it), for the bias-gradient hook.
    let bufferShapes: [Int: [Int]]
    /// Gradient buffers to clear before backward step i (forward index; −1: before the first).
    let zeroAt: [Int: [Int]]
    let gradientSizes: [Int]
    /// im2col-sized scratch for the convolutions' backward pass.
    let scratch: UnsafeMutablePointer<Float>?
    /// dy·f'(y) of a convolution's fused activation, before its transposed convolution.
    let activationScratch: UnsafeMutablePointer<Float>?
    /// Per step index: a stride-1 depthwise convolution's input gradient as a forward
    /// convolution with flipped taps (`Conv2D.depthwiseTranspose`), and where it writes.
    let depthwiseTransposes: [Int: (conv: Conv2D, weights: [Float])]
    let transposeOutput: UnsafeMutablePointer<Float>?
    /// The backward pass of the steps that ran on oneDNN's native layout, by step index
    /// (`GradientPlan+Native.swift`), and the scratch their results land in before they are
    /// added to a gradient.
    let nativeSteps: [Int: NativeStepBackward]
    let nativeScratch: UnsafeMutablePointer<Float>?
    /// Targets held in the native layout: the reorder that gives their plain values and gradients.
    let targetReorders: [Int: NativeOp]
    /// Gradient buffers read after their producer's backward step: the targets'.
    let keptGradients: Set<Int>
    /// FullGrad's hook sees plain gradients: reorders made on first use, and their output.
    var hookReorders: [Int: NativeOp] = [:]
    var hookScratch: UnsafeMutablePointer<Float>?
    var hookScratchCount = 0
    /// Guided backpropagation (Springenberg et al., 2015): every ReLU (and ReLU6) passes back only
    /// positive gradients, where its input was positive (set before `run`; the plan is otherwise
    /// the same).
    public var guidedReLU = false
    /// Called during backward with each biased convolution's (or standalone BatchNormalization's)
    /// output gradient — before its fused activation, so at the affine output — and its bias:
    /// FullGrad's bias-gradients. Set before `run`.
    public var onBiasGradient: ((BiasGradient) -> Void)?

    /// One layer's bias and ∂y/∂(its affine output), for FullGrad.
    public struct BiasGradient {
        public let node: String
        public let batch: Int, channels: Int, height: Int, width: Int
        /// [batch, channels, height, width]
        public let gradient: UnsafePointer<Float>
        /// [channels]
        public let bias: UnsafePointer<Float>
    }

    /// Backward steps that run on oneDNN's native layout (convolutions and reorders).
    public var nativeBackwardCount: Int { nativeSteps.count }

    /// Floats the tail plan and its backward pass hold: the tail's activations (those backward
    /// reads kept to the end), gradients and scratch.
    public let keptFloats: Int

    init(engine: InferenceEngine, inputShapes: [String: [Int]], targets: [String], output: String) throws(InferenceError) {
        guard let image = engine.graph.inputs.first(where: { engine.graph.constants[$0.name] == nil }) else {
            throw .badInput(name: "", detail: "the graph has no runtime input")
        }
        imageInput = image.name
        let known = Set(engine.graph.nodes.flatMap(\.outputs)).union(engine.graph.inputs.map(\.name))
        for t in targets where !known.contains(t) {
            throw .gradientUnavailable(value: t, detail: "the graph has no value of that name")
        }
        let split = try GradientGraph(engine.graph, targets: targets, output: output, weightNames: Set(engine.weights.shapes.keys))
        let contextOutputs = split.tailInputs.filter { $0 != image.name }
        var shapes: [String: [Int]] = inputShapes
        if contextOutputs.isEmpty {
            context = nil
        } else {
            var planner = Planner(graph: engine.graph.pruned(to: contextOutputs), weights: engine.weights,
                                  limit: engine.maxTensorElements, threads: engine.threads, packedWeights: engine.packedWeights)
            context = try planner.plan(inputs: inputShapes, outputs: contextOutputs)
            for name in contextOutputs { shapes[name] = planner.values[name]!.shape }
        }
        var tailGraph = split.tail
        tailGraph.inputs = try split.tailInputs.map { name throws(InferenceError) in
            guard let s = shapes[name] else { throw .badInput(name: name, detail: "no tensor given") }
            return GraphInput(name: name, shape: s.map { $0 })
        }
        tailInputs = split.tailInputs
        var planner = Planner(graph: tailGraph, weights: engine.weights, limit: engine.maxTensorElements, threads: engine.threads,
                              packedWeights: engine.packedWeights)
        planner.nativeForGradients = true
        planner.keptToEnd = { p in
            let targetBuffers = targets.compactMap { t -> Int? in if case .runtime(let b, _)? = p.values[t] { return b }; return nil }
            let reached = GradientPlan.reachedBuffers(steps: p.steps, count: p.buffers.count, targets: targetBuffers)
            return GradientPlan.forwardValuesRead(steps: p.steps, reached: reached).union(targetBuffers)
        }
        // Targets inside the tail are kept to the end (above) but are no plan outputs: an output
        // is written in the plain layout beside a native copy that later steps read, and the
        // gradient would reach the copy, not the target.
        tail = try planner.plan(inputs: shapes, outputs: [output])
        guard case .runtime(let ob, let os)? = planner.values[output] else {
            throw .gradientUnavailable(value: output, detail: "the output is a constant")
        }
        outputBuffer = ob
        outputShape = os
        self.targets = try targets.map { t throws(InferenceError) in
            guard case .runtime(let b, let s)? = planner.values[t] else { throw .gradientUnavailable(value: t, detail: "it is a constant") }
            return (t, b, s)
        }
        // Which buffers depend on a target: only these get gradient memory and backward steps.
        let reached = GradientPlan.reachedBuffers(steps: planner.steps, count: planner.buffers.count, targets: self.targets.map(\.buffer))
        for step in planner.steps where step.outputs.contains(where: { reached[$0] }) {
            if let missing = GradientPlan.missingRule(step.kernel) { throw .noGradientRule(node: step.node, op: missing) }
        }
        gradientSizes = planner.buffers.map(\.size)
        var shapesByBuffer: [Int: [Int]] = [:]
        for case .runtime(let b, let s) in planner.values.values where shapesByBuffer[b] == nil || s.count == 4 { shapesByBuffer[b] = s }
        bufferShapes = shapesByBuffer
        let layout = GradientPlan.gradientBuffers(steps: planner.steps, sizes: gradientSizes, reached: reached, output: ob,
                                                  kept: Set(self.targets.map(\.buffer)))
        for t in self.targets where layout.pointers[t.buffer] == nil || !reached[ob] {
            for s in layout.slots { s.deallocate() }
            throw .gradientUnavailable(value: t.name, detail: "the output '\(output)' depends on it only through its shape")
        }
        // Two targets in one buffer (a Reshape of the other) would share one gradient: each
        // would count the other's readers.
        var seen: [Int: String] = [:]
        for t in self.targets {
            if let other = seen[t.buffer] {
                for s in layout.slots { s.deallocate() }
                throw .gradientUnavailable(value: t.name, detail: "it holds the same values as '\(other)' (a reshape of it): ask for one of the two")
            }
            seen[t.buffer] = t.name
        }
        gradients = layout.pointers
        gradientSlots = layout.slots
        let native = GradientPlan.nativeBackward(planner: planner, reached: reached, targets: self.targets.map(\.buffer))
        nativeSteps = native.steps
        targetReorders = native.targetReorders
        keptGradients = Set(self.targets.map(\.buffer))
        zeroAt = layout.zeroAt.mapValues { buffers in buffers.filter { !native.overwritten.contains($0) } }
        nativeScratch = native.scratchCount > 0 ? UnsafeMutablePointer<Float>.allocateAligned(native.scratchCount) : nil
        var transposes: [Int: (conv: Conv2D, weights: [Float])] = [:]
        for (i, step) in planner.steps.enumerated() where reached[step.outputs[0]] {
            guard case .conv(let c) = step.kernel, let t = c.depthwiseTranspose else { continue }
            switch planner.buffers[step.inputs[1]].kind {
            case .weight(let w): transposes[i] = (t, c.flippedDepthwiseWeights(w))
            case .planConstant(let f): transposes[i] = (t, f.withUnsafeBufferPointer { c.flippedDepthwiseWeights($0.baseAddress!) })
            case .activation: continue   // run-time weights: the scatter path
            }
        }
        depthwiseTransposes = transposes
        let transposeCount = transposes.values.map { $0.conv.batch * $0.conv.outChannels * $0.conv.outHeight * $0.conv.outWidth }.max() ?? 0
        transposeOutput = transposeCount > 0 ? UnsafeMutablePointer<Float>.allocateAligned(transposeCount) : nil
        let scratchCount = max(planner.steps.map { step -> Int in
            if case .conv(let c) = step.kernel, reached[step.outputs[0]] { return c.backwardScratchCount }
            return 0
        }.max() ?? 0, transposes.values.map(\.conv.scratchCount).max() ?? 0)
        scratch = scratchCount > 0 ? UnsafeMutablePointer<Float>.allocateAligned(scratchCount) : nil
        let activationCount = planner.steps.map { step -> Int in
            guard reached[step.outputs[0]] else { return 0 }
            switch step.kernel {
            case .conv(let c) where c.activation != nil: return planner.buffers[step.outputs[0]].size
            case .nativeConv(let c) where c.conv.activation != nil: return planner.buffers[step.outputs[0]].size
            default: return 0
            }
        }.max() ?? 0
        activationScratch = activationCount > 0 ? UnsafeMutablePointer<Float>.allocateAligned(activationCount) : nil
        keptFloats = tail.arenaFloats + layout.floats + scratchCount + activationCount + transposeCount + native.scratchCount
    }

    deinit {
        for g in gradientSlots { g.deallocate() }
        scratch?.deallocate()
        activationScratch?.deallocate()
        transposeOutput?.deallocate()
        nativeScratch?.deallocate()
        hookScratch?.deallocate()
    }

    /// Runs forward and backward for one image: the seed is 1 at `outputIndex` of the output
    /// (flat index into it) and 0 elsewhere.
    public func run(_ inputs: [String: Tensor], outputIndex: Int) throws(InferenceError) -> GradientResult {
        guard (0..<outputShape.elementCount).contains(outputIndex) else {
            throw .badInput(name: "output index", detail: "\(outputIndex) outside an output of shape \(outputShape)")
        }
        var tailFeed = inputs
        if let context {
            let values = try context.run(inputs)
            for (k, v) in values { tailFeed[k] = v }
        }
        _ = try tail.run(tailFeed.filter { tailInputs.contains($0.key) })
        for b in zeroAt[-1] ?? [] { gradients[b]!.initialize(repeating: 0, count: gradientSizes[b]) }
        gradients[outputBuffer]![outputIndex] = 1
        for (i, step) in tail.steps.enumerated().reversed() where gradients[step.outputs[0]] != nil {
            for b in zeroAt[i] ?? [] { gradients[b]!.initialize(repeating: 0, count: gradientSizes[b]) }
            backward(step, index: i)
        }
        let output = Tensor(shape: outputShape, data: Array(UnsafeBufferPointer(start: tail.pointers[outputBuffer], count: outputShape.elementCount)))
        var values: [String: Tensor] = [:], grads: [String: Tensor] = [:]
        for t in targets {
            let n = t.shape.elementCount
            func plain(_ p: UnsafeMutablePointer<Float>) -> [Float] {
                guard let r = targetReorders[t.buffer] else { return Array(UnsafeBufferPointer(start: p, count: n)) }
                return [Float](unsafeUninitializedCapacity: n) { out, count in
                    r.run(p, out.baseAddress!)
                    count = n
                }
            }
            values[t.name] = Tensor(shape: t.shape, data: plain(tail.pointers[t.buffer]))
            grads[t.name] = Tensor(shape: t.shape, data: plain(gradients[t.buffer]!))
        }
        return GradientResult(output: output, values: values, gradients: grads)
    }
}

extension InferenceEngine {
    /// A plan that differentiates element `outputIndex` of `output` with respect to `targets`
    /// (values of `graph`, or its input) for one set of input shapes.
    public func makeGradientPlan(inputShapes: [String: [Int]], targets: [String], output: String) throws(InferenceError) -> GradientPlan {
        try GradientPlan(engine: self, inputShapes: inputShapes, targets: targets, output: output)
    }
}
