import CDNNLShim
#if canImport(Glibc)
import Glibc
#endif

/// The native-kernel pass: after lowering, the convolutions oneDNN can run switch to its
/// kernels on a native activation layout, and the layout is carried from convolution to
/// convolution through the steps that can run on it (activations, same-shaped arithmetic,
/// per-channel arithmetic, pooling), so a chain of convolutions runs without reorders. A
/// reorder to the plain NCHW layout is inserted once per value before the first step that
/// needs it; plan outputs are always plain.
extension Planner {
    mutating func adoptNativeKernels(cache: PackedWeights) {
        // Some oneDNN kernels fix their thread count when created: create them with the plan's.
        camkit_dnnl_set_threads(Int32(threads))
        var pass = NativeLayoutPass(planner: self, layout: NativeLayoutPass.chooseLayout(steps), cache: cache)
        pass.forGradients = nativeForGradients
        pass.run()
        steps = pass.steps
        buffers = pass.buffers
        nativeDims = pass.native
        nativeLayout = pass.layout
        recomputeLiveness()
    }
}

/// The state of one native-layout pass over a plan's steps.
struct NativeLayoutPass {
    static let reorderName = "Reorder"

    var steps: [Step] = []
    var buffers: [Planner.VirtualBuffer]
    let original: [Step]
    let layout: NativeLayout
    let cache: PackedWeights
    /// Buffers that hold a [n, c, h, w] tensor in the native layout, with its dims.
    var native: [Int: [Int]] = [:]
    var plainCopy: [Int: Int] = [:]
    var nativeCopy: [Int: Int] = [:]
    /// Plan outputs: read in the plain layout after the run.
    let outputs: Set<Int>
    /// For each buffer of the lowered plan, the indices of the original steps that read it
    /// (after a fused add, its output's readers count as the residual buffer's).
    var readers: [Int: [Int]]
    let originalBufferCount: Int
    /// Buffers replaced by another (a fused add's output is its residual buffer).
    var renamed: [Int: Int] = [:]
    /// A gradient plan's tail: only convolutions whose backward-data kernel oneDNN has, and the
    /// steps whose vector–Jacobian product is a flat loop over the buffer (activations,
    /// same-shaped arithmetic) run natively; no residual add is folded into a convolution (the
    /// backward pass needs the sum and the skip apart), and pooling and per-channel arithmetic
    /// run plain, where their backward rules are.
    var forGradients = false
    /// The original index of the step being rewritten.
    var current = 0
    /// The last native convolution emitted: its original step and index, its emitted index.
    var lastConvolution: (step: Step, original: Int, emitted: Int)?
    /// The last convolution that took a residual add: its original step, emitted index, the
    /// add's output and the skip buffer that now holds it.
    var lastFusedAdd: (step: Step, emitted: Int, sum: Int, skip: Int)?

    init(planner: Planner, layout: NativeLayout, cache: PackedWeights) {
        buffers = planner.buffers
        original = planner.steps
        self.layout = layout
        self.cache = cache
        outputs = Set(planner.buffers.indices.filter {
            if case .activation = planner.buffers[$0].kind { return planner.buffers[$0].lastUse == Int.max }
            return false
        })
        var readers: [Int: [Int]] = [:]
        for (i, step) in planner.steps.enumerated() {
            for x in step.inputs where x >= 0 { readers[x, default: []].append(i) }
        }
        self.readers = readers
        originalBufferCount = planner.buffers.count
    }

    /// The plan's layout. oneDNN's kernels for dense k×k convolutions (ResNet, VGG) are its
    /// brgemm ones on nhwc, 1.6× faster there than its nChw16c direct kernels; its depthwise
    /// and 1×1 kernels (MobileNet, EfficientNet) are fastest on the channel-blocked layout
    /// (measured: BENCHMARKS.md). So a plan whose dense convolutions (3 or more input channels
    /// beyond the stem, kernel larger than 1×1, one group) do most of the arithmetic runs on nhwc
    /// where AVX-512 has brgemm, the rest on the blocked layout. CAMKIT_DNNL_LAYOUT=nhwc|8|16
    /// overrides this for measurements.
    static func chooseLayout(_ steps: [Step]) -> NativeLayout {
        if let forced = getenv("CAMKIT_DNNL_LAYOUT").map({ String(cString: $0) }) {
            switch forced {
            case "nhwc": return .nhwc
            case "8": return NativeLayout(code: 8)
            case "16": return NativeLayout(code: 16)
            default: break
            }
        }
        let blocked = NativeLayout.blocked
        guard blocked.block == 16 else { return blocked }
        var dense = 0, total = 0
        for step in steps {
            guard case .conv(let c) = step.kernel else { continue }
            let flops = c.batch * c.outChannels * c.outHeight * c.outWidth * (c.inChannels / c.group) * c.kernelHeight * c.kernelWidth
            total += flops
            if c.group == 1 && c.kernelHeight * c.kernelWidth > 1 && c.inChannels > 3 { dense += flops }
        }
        return 2 * dense > total ? .nhwc : blocked
    }

    mutating func run() {
        for (index, original) in original.enumerated() {
            current = index
            var step = original
            step.inputs = step.inputs.map { renamed[$0] ?? $0 }
            if adoptNative(step) { continue }
            var plain = step
            plain.inputs = step.inputs.map { $0 >= 0 && native[$0] != nil ? plainVersion(of: $0, node: step.node) : $0 }
            steps.append(plain)
        }
    }

    /// Whether a tensor of `dims` has padding channels in this layout (channels not a multiple of
    /// the block). oneDNN expects them zero in every input: a zero-weight tap times NaN or
    /// infinity is NaN. Steps run over the whole padded buffer, so on such a tensor only
    /// operations that keep 0 at 0 may run natively (no division, no sigmoid).
    func isPadded(_ dims: [Int]) -> Bool { dims[1] % layout.block != 0 }

    func keepsPaddingZero(_ dims: [Int], _ a: Activation) -> Bool {
        guard isPadded(dims) else { return true }
        switch a {
        case .relu, .leakyRelu, .tanh, .silu, .hardSwish, .erf, .gelu: return true
        case .clip(let lo, let hi): return lo <= 0 && hi >= 0
        case .sigmoid, .hardSigmoid: return false
        }
    }

    /// `b` itself when native, else its native copy if one was made; nil when only plain.
    func heldNatively(_ b: Int) -> Int? { b < 0 ? nil : native[b] != nil ? b : nativeCopy[b] }

    /// Emits `step` on the native layout when it can run there; false when it must run plain.
    mutating func adoptNative(_ step: Step) -> Bool {
        switch step.kernel {
        case .conv(let conv):
            return adoptConvolution(conv, step)
        case let .activation(a, _):
            if !forGradients, fuseActivationAfterResidual(a, step) { return true }
            guard let x = heldNatively(step.inputs[0]), let dims = native[x], keepsPaddingZero(dims, a) else { return false }
            emitNative(step, .activation(a, count: layout.count(dims)), inputs: [x], dims: dims)
            return true
        case let .binary(op, a, b, out):
            guard step.inputs.count == 2 else { return false }
            if a == b, b == out {
                if op == .add, !forGradients, fuseResidual(step) { return true }
                // Same-shaped operands, both held natively: one flat loop over the native buffer.
                let held = step.inputs.map(heldNatively)
                guard let first = held[0], let second = held[1], let dims = native[first], native[second] == dims,
                      op != .div || !isPadded(dims) else { return false }
                let count = [layout.count(dims)]
                emitNative(step, .binary(op, a: count, b: count, out: count), inputs: [first, second], dims: dims)
                return true
            }
            return !forGradients && adoptChannelArithmetic(op, a: a, b: b, out: out, step)
        case .pool(let pool):
            guard !forGradients, let x = heldNatively(step.inputs[0]), let dims = native[x], dims[0] * dims[1] == pool.planes,
                  let op = NativeOp.pool(pool, dims: dims, layout: layout) else { return false }
            emitNative(step, .native(op), inputs: [x], dims: [dims[0], dims[1], pool.outHeight, pool.outWidth])
            return true
        case let .globalAverage(planes, size), let .globalMax(planes, size):
            guard !forGradients, let x = heldNatively(step.inputs[0]), let dims = native[x], dims[0] * dims[1] == planes, dims[2] * dims[3] == size else { return false }
            var isMax = false
            if case .globalMax = step.kernel { isMax = true }
            let whole = Pool2D(kind: isMax ? .max : .average(countIncludePad: false), planes: planes, inHeight: dims[2], inWidth: dims[3],
                               kernelHeight: dims[2], kernelWidth: dims[3], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
                               padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outHeight: 1, outWidth: 1)
            guard let op = NativeOp.pool(whole, dims: dims, layout: layout) else { return false }
            emitNative(step, .native(op), inputs: [x], dims: [dims[0], dims[1], 1, 1])
            return true
        default:
            return false
        }
    }

    mutating func adoptConvolution(_ conv: Conv2D, _ step: Step) -> Bool {
        if !forGradients, fuseDepthwise(conv, step) { return true }
        guard let nativeConv = makeConvolution(conv, step) else { return false }
        let inDims = [conv.batch, conv.inChannels, conv.inHeight, conv.inWidth]
        var inputs = step.inputs
        if nativeConv.plainSource {
            if native[inputs[0]] != nil { inputs[0] = plainVersion(of: inputs[0], node: step.node) }
        } else {
            guard let src = nativeVersion(of: inputs[0], dims: inDims, node: step.node) else { return false }
            inputs[0] = src
        }
        let before = steps.count
        emitNative(step, .nativeConv(nativeConv), inputs: inputs, dims: [conv.batch, conv.outChannels, conv.outHeight, conv.outWidth])
        // Only a convolution that wrote its own output (not a plan output's temporary) can take
        // a following residual add into its destination.
        lastConvolution = steps.count == before + 1 ? (step, current, before) : nil
        return true
    }

    /// x ∘ s with s one value per channel of x ([n, c, 1, 1], a squeeze-and-excite scale), x
    /// held natively; s is reordered if needed (it is tiny). A commutative operator may have
    /// the per-channel operand first.
    mutating func adoptChannelArithmetic(_ op: BinaryOp, a: [Int], b: [Int], out: [Int], _ step: Step) -> Bool {
        guard out.count == 4 else { return false }
        let perChannel = [out[0], out[1], 1, 1]
        var full = step.inputs[0], scale = step.inputs[1]
        if a == perChannel && b == out && (op == .add || op == .mul) {
            swap(&full, &scale)
        } else if !(a == out && b == perChannel) {
            return false
        }
        guard op != .div || !isPadded(out), let x = heldNatively(full), native[x] == out,
              let native = NativeOp.channelBinary(op, dims: out, layout: layout),
              let s = nativeVersion(of: scale, dims: perChannel, node: step.node) else { return false }
        emitNative(step, .native(native), inputs: [x, s], dims: out)
        return true
    }

    /// Emits a step whose output is native; a plan output gets a native temporary and a reorder.
    mutating func emitNative(_ step: Step, _ kernel: Kernel, inputs: [Int], dims: [Int]) {
        let dst = step.outputs[0]
        let count = layout.count(dims)
        if outputs.contains(dst), let back = NativeOp.reorder(dims, layout: layout, toNative: false) {
            let temporary = newBuffer(count)
            steps.append(Step(node: step.node, opName: step.opName, kernel: kernel, inputs: inputs, outputs: [temporary]))
            steps.append(Step(node: step.node, opName: Self.reorderName, kernel: .native(back), inputs: [temporary], outputs: [dst]))
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
    func makeConvolution(_ conv: Conv2D, _ step: Step, accumulate: Bool = false) -> NativeConvolution? {
        guard step.inputs.count >= 2, step.inputs[1] >= 0 else { return nil }
        let hasBias = step.inputs.count > 2 && step.inputs[2] >= 0
        if hasBias, case .activation = buffers[step.inputs[2]].kind { return nil }
        let isNative = heldNatively(step.inputs[0]) != nil
        return withConstant(step.inputs[1]) { weights, shared in
            weights.flatMap {
                NativeConvolution.make(conv, weights: $0, hasBias: hasBias, layout: layout, sourceIsNative: isNative,
                                       accumulate: accumulate, inputGradient: forGradients, cache: shared ? cache : nil)
            }
        }
    }

    mutating func newBuffer(_ size: Int) -> Int {
        buffers.append(Planner.VirtualBuffer(kind: .activation, size: size, defined: steps.count, lastUse: steps.count))
        return buffers.count - 1
    }

    /// The buffer holding `b` in the native layout for `dims`, reordering it once if needed.
    mutating func nativeVersion(of b: Int, dims: [Int], node: String) -> Int? {
        if native[b] == dims { return b }
        if let copy = nativeCopy[b], native[copy] == dims { return copy }
        let source = native[b] != nil ? plainVersion(of: b, node: node) : b
        guard let reorder = NativeOp.reorder(dims, layout: layout, toNative: true) else { return nil }
        let copy = newBuffer(layout.count(dims))
        steps.append(Step(node: node, opName: Self.reorderName, kernel: .native(reorder), inputs: [source], outputs: [copy]))
        native[copy] = dims
        nativeCopy[b] = copy
        return copy
    }

    /// The buffer holding native `b` in the plain layout, reordering it once.
    mutating func plainVersion(of b: Int, node: String) -> Int {
        if let copy = plainCopy[b] { return copy }
        let dims = native[b]!
        // A reorder exists for every layout a convolution accepted: creation cannot fail here.
        let reorder = NativeOp.reorder(dims, layout: layout, toNative: false)!
        let copy = newBuffer(dims.reduce(1, *))
        steps.append(Step(node: node, opName: Self.reorderName, kernel: .native(reorder), inputs: [b], outputs: [copy]))
        plainCopy[b] = copy
        return copy
    }
}
