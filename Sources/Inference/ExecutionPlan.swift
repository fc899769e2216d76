import CDNNLShim

/// A graph lowered for one set of input shapes: kernels in order over a fixed set of buffers,
/// allocated once. Running it allocates nothing but the returned output tensors.
/// Not thread-safe: give each worker its own plan (weights are shared through `WeightStore`).
public final class ExecutionPlan {
    let steps: [Step]
    /// Virtual buffer → physical pointer.
    let pointers: [UnsafeMutablePointer<Float>]
    let owned: [UnsafeMutablePointer<Float>]
    let scratch: UnsafeMutablePointer<Float>?
    /// Kept alive as long as the plan: steps point into its weights.
    let weights: WeightStore
    /// Kept alive as long as the plan: native convolutions point into its packed weights.
    let packedWeights: PackedWeights?
    let inputBindings: [(name: String, buffer: Int, shape: [Int])]
    let outputBindings: [(name: String, value: Planner.Value)]
    /// Floats allocated for activations and scratch (not weights).
    public let arenaFloats: Int
    /// oneDNN's threads per parallel region, set on the calling thread before each run; nil when
    /// the plan has no native step.
    let nativeThreads: Int32?
    /// camkit's own threads per kernel (see `Conv2D.threads`).
    let threads: Int

    init(planner: Planner, inputs: [(String, Int, [Int])], outputs: [(String, Planner.Value)]) {
        steps = planner.steps
        weights = planner.weights
        packedWeights = planner.packedWeights
        threads = planner.threads
        nativeThreads = planner.steps.contains {
            if case .nativeConv = $0.kernel { return true }
            return false
        } ? Int32(planner.threads) : nil
        inputBindings = inputs.map { (name: $0.0, buffer: $0.1, shape: $0.2) }
        outputBindings = outputs.map { (name: $0.0, value: $0.1) }
        // Greedy assignment of activation buffers to physical slots by liveness.
        var slotOf = [Int](repeating: -1, count: planner.buffers.count)
        var slotSize: [Int] = []
        var freeSlots: [Int] = []
        var releaseAt: [Int: [Int]] = [:]
        let order = planner.buffers.indices.filter { if case .activation = planner.buffers[$0].kind { return true }; return false }
            .sorted { (planner.buffers[$0].defined, $0) < (planner.buffers[$1].defined, $1) }
        var current = Int.min
        for v in order {
            let buf = planner.buffers[v]
            if buf.defined != current {
                for step in releaseAt.keys.sorted() where step < buf.defined {
                    freeSlots += releaseAt[step]!
                    releaseAt[step] = nil
                }
                current = buf.defined
            }
            let fitting = freeSlots.filter { slotSize[$0] >= buf.size }.min { slotSize[$0] < slotSize[$1] }
            let slot: Int
            if let fitting {
                slot = fitting
            } else if let largest = freeSlots.max(by: { slotSize[$0] < slotSize[$1] }) {
                slot = largest
                slotSize[slot] = buf.size
            } else {
                slotSize.append(buf.size)
                slot = slotSize.count - 1
            }
            freeSlots.removeAll { $0 == slot }
            slotOf[v] = slot
            if buf.lastUse != Int.max { releaseAt[buf.lastUse, default: []].append(slot) }
        }
        var owned: [UnsafeMutablePointer<Float>] = slotSize.map { size in
            UnsafeMutablePointer<Float>.allocateAligned(size)
        }
        var arena = slotSize.reduce(0, +)
        var pointers: [UnsafeMutablePointer<Float>] = []
        for (v, buf) in planner.buffers.enumerated() {
            switch buf.kind {
            case .activation: pointers.append(owned[slotOf[v]])
            case .weight(let p): pointers.append(p)
            case .planConstant(let data):
                let p = UnsafeMutablePointer<Float>.allocateAligned(data.count)
                data.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: data.count) } }
                owned.append(p)
                pointers.append(p)
            }
        }
        let scratchCount = planner.steps.map { step -> Int in
            if case .conv(let c) = step.kernel { return c.scratchCount }
            return 0
        }.max() ?? 0
        scratch = scratchCount > 0 ? UnsafeMutablePointer<Float>.allocateAligned(scratchCount) : nil
        arena += scratchCount
        self.pointers = pointers
        self.owned = owned
        self.arenaFloats = arena
    }

    deinit {
        for p in owned { p.deallocate() }
        scratch?.deallocate()
    }

    /// Names and shapes of the inputs this plan was made for.
    public var inputShapes: [String: [Int]] {
        Dictionary(uniqueKeysWithValues: inputBindings.map { ($0.name, $0.shape) })
    }

    /// Runs the plan; `inputs` must have exactly the planned shapes.
    public func run(_ inputs: [String: Tensor]) throws(InferenceError) -> [String: Tensor] {
        for binding in inputBindings {
            guard let t = inputs[binding.name] else { throw .badInput(name: binding.name, detail: "no tensor given") }
            guard t.shape == binding.shape else { throw .badInput(name: binding.name, detail: "shape \(t.shape), plan made for \(binding.shape)") }
            t.data.withUnsafeBufferPointer { pointers[binding.buffer].update(from: $0.baseAddress!, count: t.count) }
        }
        if let nativeThreads { camkit_dnnl_set_threads(nativeThreads) }
        for step in steps { execute(step) }
        var results: [String: Tensor] = [:]
        for (name, value) in outputBindings {
            switch value {
            case .constant(let c): results[name] = Tensor(shape: c.shape, data: c.floats)
            case .weight(let shape):
                let p = weights.pointer(name)!
                results[name] = Tensor(shape: shape, data: Array(UnsafeBufferPointer(start: p, count: shape.elementCount)))
            case .runtime(let b, let shape):
                results[name] = Tensor(shape: shape, data: Array(UnsafeBufferPointer(start: pointers[b], count: shape.elementCount)))
            }
        }
        return results
    }

    /// Kernel names with their cumulative time in seconds over `runs` runs, for profiles.
    public func profile(_ inputs: [String: Tensor], runs: Int) throws(InferenceError) -> [(op: String, seconds: Double)] {
        _ = try run(inputs)   // also sets oneDNN's threads on this thread
        var totals: [String: Duration] = [:]
        let clock = ContinuousClock()
        for _ in 0..<runs {
            for step in steps {
                let t = clock.measure { execute(step) }
                var name = step.opName
                if case .native(let op) = step.kernel {
                    name = "\(step.opName) [\(op.implementation)]"
                } else if case .nativeConv(let n) = step.kernel {
                    let c = n.conv
                    name = (c.isDepthwise ? "Conv depthwise \(c.kernelHeight)x\(c.kernelWidth)/\(c.strideH)"
                        : c.isPointwise ? "Conv 1x1" : "Conv \(c.kernelHeight)x\(c.kernelWidth)/\(c.strideH)")
                        + (n.depthwise.map { " + depthwise \($0.kernelHeight)x\($0.kernelWidth)/\($0.strideH)" } ?? "") + " [\(n.implementation)]"
                } else if case .conv(let c) = step.kernel {
                    name = c.isDepthwise ? "Conv depthwise \(c.kernelHeight)x\(c.kernelWidth)/\(c.strideH)"
                        : c.isPointwise ? "Conv 1x1" : "Conv \(c.kernelHeight)x\(c.kernelWidth)/\(c.strideH) im2col"
                }
                totals[name, default: .zero] += t
            }
        }
        return totals.map { (op: $0.key, seconds: Double($0.value.components.attoseconds) / 1e18 + Double($0.value.components.seconds)) }
            .sorted { $0.seconds > $1.seconds }
    }
}

extension ExecutionPlan {
    /// Convolutions this plan runs on oneDNN's kernels (0 on the generic path); a 1×1 with its
    /// depthwise fused counts as two.
    public var nativeConvolutionCount: Int {
        steps.reduce(0) { n, step in
            if case .nativeConv(let c) = step.kernel { return n + (c.depthwise == nil ? 1 : 2) }
            return n
        }
    }

    /// Depthwise convolutions fused into the 1×1 convolution that feeds them.
    public var fusedDepthwiseCount: Int {
        steps.filter { if case .nativeConv(let c) = $0.kernel { return c.depthwise != nil }; return false }.count
    }

    /// Layout reorders between oneDNN's native layout and the plain one.
    public var reorderCount: Int {
        steps.filter { $0.opName == NativeLayoutPass.reorderName }.count
    }

    /// How many steps run each operator (after fusions: a residual add taken into its
    /// convolution no longer appears).
    public var stepCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for step in steps { counts[step.opName, default: 0] += 1 }
        return counts
    }

    /// The native layout of this plan's oneDNN kernels ("nChw16c", "nhwc"...), nil if none.
    public var nativeLayout: String? {
        for step in steps { if case .nativeConv(let c) = step.kernel { return c.layout.name } }
        return nil
    }

    /// Floating-point operations of one run (2 per multiply-add; convolutions and matrix products only).
    public var flops: Int {
        steps.reduce(0) { total, step in
            var convs: [Conv2D] = []
            if case .conv(let c) = step.kernel { convs = [c] }
            if case .nativeConv(let n) = step.kernel { convs = [n.conv] + (n.depthwise.map { [$0] } ?? []) }
            if !convs.isEmpty {
                return total + convs.reduce(0) { sum, c in
                    sum + 2 * c.batch * c.outChannels * c.outHeight * c.outWidth * (c.inChannels / c.group) * c.kernelHeight * c.kernelWidth
                }
            }
            switch step.kernel {
            case let .gemm(m, n, k, _, _, _, _, _): return total + 2 * m * n * k
            case let .matMul(a, b):
                let m = a.count >= 2 ? a[a.count - 2] : 1, k = a.last ?? 1, n = b.count >= 2 ? b[b.count - 1] : 1
                return total + 2 * m * n * k * max(1, a.dropLast(2).reduce(1, *))
            default: return total
            }
        }
    }
}
