import Inference
import Testing
import TestSupport

/// oneDNN's convolutions and the native-layout pass (`CPUPath.active` is avx512 or avx2) against
/// the naive reference of `KernelReferenceTests` and against the generic path.
@Suite("native kernels against naive references", .enabled(if: CPUPath.active != .generic))
struct NativeKernelTests {
    typealias ConvCase = KernelReferenceTests.ConvCase

    /// The reference cases, and shapes the native layout treats specially: channels that are not
    /// a multiple of the 8- or 16-channel block (padded), a 3-channel stem read in the plain
    /// layout, a 5×5 stride-2 depthwise convolution and a 1×1 on a 1×1 plane (a squeeze-excite).
    static let cases: [ConvCase] = KernelReferenceTests.convCases + [
        ConvCase(c: 24, h: 14, w: 13, m: 40, kh: 1, kw: 1, pads: [0, 0, 0, 0], activation: .clip(min: 0, max: 6)),
        ConvCase(c: 3, h: 17, w: 16, m: 32, stride: [2, 2], pads: [0, 0, 1, 1], activation: .clip(min: 0, max: 6)),
        ConvCase(c: 40, h: 15, w: 15, m: 40, kh: 5, kw: 5, stride: [2, 2], pads: [1, 1, 2, 2], group: 40, activation: .relu),
        ConvCase(c: 96, h: 1, w: 1, m: 4, kh: 1, kw: 1, pads: [0, 0, 0, 0], activation: .silu),
        ConvCase(c: 20, h: 9, w: 9, m: 20, stride: [1, 1], dilation: [2, 2], pads: [2, 2, 2, 2], group: 20, activation: .leakyRelu(alpha: 0.1)),
    ]

    static func constant(_ shape: [Int], _ values: [Float]) -> ConstantValue { .float(Tensor(shape: shape, data: values)) }

    /// A convolution node with seeded weights (scaled so deep stacks stay O(1)), same-padded
    /// unless `pads` are given.
    static func convNode(_ name: String, _ x: String, _ cin: Int, _ cout: Int, k: Int, stride: Int = 1, pads: [Int]? = nil,
                         group: Int, act: Activation?, rng: inout KernelReferenceTests.SplitMix) -> (Node, [String: ConstantValue]) {
        var window = WindowAttributes(kernel: [])
        window.pads = pads ?? [k / 2, k / 2, k / 2, k / 2]
        window.strides = [stride, stride]
        let node = Node(name: name, op: .conv(ConvAttributes(window: window, group: group, activation: act)),
                        inputs: [x, name + ".w", name + ".b"], outputs: [name])
        return (node, [name + ".w": constant([cout, cin / group, k, k], rng.array(cout * cin / group * k * k).map { $0 * 0.3 }),
                       name + ".b": constant([cout], rng.array(cout))])
    }

    @Test(arguments: cases)
    func convolution(t: ConvCase) throws {
        var rng = KernelReferenceTests.SplitMix(state: 7)
        let x = rng.array(t.n * t.c * t.h * t.w), wt = rng.array(t.m * (t.c / t.group) * t.kh * t.kw), b = rng.array(t.m)
        var window = WindowAttributes(kernel: [])
        window.strides = t.stride
        window.dilations = t.dilation
        window.pads = t.pads
        let graph = Graph(nodes: [Node(name: "conv", op: .conv(ConvAttributes(window: window, group: t.group, activation: t.activation)),
                                       inputs: ["x", "w", "b"], outputs: ["y"])],
                          constants: ["w": Self.constant([t.m, t.c / t.group, t.kh, t.kw], wt), "b": Self.constant([t.m], b)],
                          inputs: [GraphInput(name: "x", shape: [t.n, t.c, t.h, t.w])], outputs: ["y"])
        let plan = try InferenceEngine(graph: graph, optimize: false).makePlan(inputShapes: ["x": [t.n, t.c, t.h, t.w]])
        // oneDNN ran it, except a grouped convolution whose groups are not whole channel blocks,
        // which oneDNN has no blocked kernel for: that one falls back to the generic kernel.
        let wholeBlocks = t.group == 1 || t.group == t.c || (t.c / t.group) % 16 == 0
        #expect(plan.nativeConvolutionCount == (wholeBlocks ? 1 : 0), "oneDNN \(wholeBlocks ? "did not take" : "took") \(t)")
        let y = try plan.run(["x": Tensor(shape: [t.n, t.c, t.h, t.w], data: x)])["y"]!
        let oh = (t.h + t.pads[0] + t.pads[2] - (t.dilation[0] * (t.kh - 1) + 1)) / t.stride[0] + 1
        let ow = (t.w + t.pads[1] + t.pads[3] - (t.dilation[1] * (t.kw - 1) + 1)) / t.stride[1] + 1
        let ref = KernelReferenceTests().naiveConv(t, x: x, wt: wt, b: b, oh: oh, ow: ow)
        #expect(y.shape == [t.n, t.m, oh, ow])
        // Bound as for the generic kernels (1e-5); a wrong layout or padding gives errors of order 1.
        #expect(within(relativeError(y.data, ref), 1e-5, "native.conv.\(t)"))
    }

    /// A block as in MobileNet: expand 1×1, depthwise, project 1×1, residual add, then a pool,
    /// with an intermediate value read out. The layout is carried across the add without
    /// reorders; the outputs equal the generic path's and do not depend on the thread count.
    @Test func blockKeepsTheNativeLayoutAndMatchesTheGenericPath() throws {
        var rng = KernelReferenceTests.SplitMix(state: 11)
        func conv(_ name: String, _ x: String, _ cin: Int, _ cout: Int, k: Int, group: Int = 1, act: Activation?) -> (Node, [String: ConstantValue]) {
            Self.convNode(name, x, cin, cout, k: k, group: group, act: act, rng: &rng)
        }
        let parts = [conv("expand", "x", 24, 144, k: 1, act: .clip(min: 0, max: 6)),
                     conv("dw", "expand", 144, 144, k: 3, group: 144, act: .clip(min: 0, max: 6)),
                     conv("project", "dw", 144, 24, k: 1, act: nil)]
        var constants: [String: ConstantValue] = [:]
        for (_, c) in parts { constants.merge(c) { a, _ in a } }
        let nodes = parts.map(\.0) + [
            Node(name: "add", op: .binary(.add), inputs: ["project", "x"], outputs: ["sum"]),
            Node(name: "pool", op: .globalAveragePool, inputs: ["sum"], outputs: ["pooled"]),
        ]
        let graph = Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: [1, 24, 19, 21])], outputs: ["pooled"])
        let input = ["x": Tensor(shape: [1, 24, 19, 21], data: rng.array(24 * 19 * 21))]
        var results: [[String: Tensor]] = []
        for (path, threads) in [(CPUPath.active, 1), (CPUPath.active, 2), (CPUPath.generic, 1)] {
            let engine = InferenceEngine(graph: graph, keep: ["dw"], threads: threads, cpuPath: path)
            let plan = try engine.makePlan(inputShapes: ["x": [1, 24, 19, 21]], outputs: ["pooled", "dw"])
            if path != .generic {
                #expect(plan.nativeConvolutionCount == 3)
                // x to native once (it feeds expand and the add), dw out as a plan output, sum
                // to plain for the pool: three reorders, none between the convolutions.
                #expect(plan.reorderCount == 3, "\(plan.reorderCount) reorders")
            }
            results.append(try plan.run(input))
        }
        for name in ["pooled", "dw"] {
            #expect(results[0][name]!.data == results[1][name]!.data, "\(name) differs between 1 and 2 threads")
            #expect(within(relativeError(results[0][name]!.data, results[2][name]!.data), 1e-5, "native.block.\(name)"))
        }
    }

    /// A convolution (so the input is native) followed by `tail`, on the native path and on the
    /// generic one; returns both outputs and the native plan.
    static func convThen(_ tail: [Node], extra: [String: ConstantValue] = [:], channels: Int = 24, h: Int = 13, w: Int = 11,
                         output: String = "y", seed: UInt64 = 5) throws -> (native: Tensor, generic: Tensor, plan: ExecutionPlan) {
        var rng = KernelReferenceTests.SplitMix(state: seed)
        var window = WindowAttributes(kernel: [])
        window.pads = [1, 1, 1, 1]
        let conv = Node(name: "conv", op: .conv(ConvAttributes(window: window, group: channels, activation: .relu)),
                        inputs: ["x", "w", "b"], outputs: ["c"])
        var constants = extra
        constants["w"] = constant([channels, 1, 3, 3], rng.array(channels * 9))
        constants["b"] = constant([channels], rng.array(channels))
        let graph = Graph(nodes: [conv] + tail, constants: constants, inputs: [GraphInput(name: "x", shape: [1, channels, h, w])], outputs: [output])
        let input = ["x": Tensor(shape: [1, channels, h, w], data: rng.array(channels * h * w))]
        let plan = try InferenceEngine(graph: graph, optimize: false).makePlan(inputShapes: ["x": [1, channels, h, w]])
        let generic = try InferenceEngine(graph: graph, optimize: false, cpuPath: .generic).makePlan(inputShapes: ["x": [1, channels, h, w]])
        return (try plan.run(input)[output]!, try generic.run(input)[output]!, plan)
    }

    /// Pooling on the native layout, ceil mode and pads included, against the generic kernel
    /// (itself checked against a naive loop in KernelReferenceTests).
    @Test(arguments: KernelReferenceTests.poolCases)
    func pooling(t: KernelReferenceTests.PoolCase) throws {
        var window = WindowAttributes(kernel: t.k)
        window.strides = t.s
        window.pads = t.pads
        window.ceilMode = t.ceil
        let op: Operator = t.max ? .maxPool(window) : .averagePool(window, countIncludePad: t.includePad)
        let r = try Self.convThen([Node(name: "pool", op: op, inputs: ["c"], outputs: ["y"])], h: t.h, w: t.w)
        #expect(r.native.shape == r.generic.shape)
        #expect(within(relativeError(r.native.data, r.generic.data), 1e-6, "native.pool.\(t)"))
    }

    /// A squeeze-and-excite block (global pool, 1×1 convolutions on 1×1, sigmoid, per-channel
    /// scale, both operand orders) stays native and equals the generic path.
    @Test(arguments: [false, true])
    func squeezeAndExcite(scaleFirst: Bool) throws {
        var rng = KernelReferenceTests.SplitMix(state: 9)
        let reduce = ConvAttributes(window: WindowAttributes(kernel: []), group: 1, activation: .silu)
        let expand = ConvAttributes(window: WindowAttributes(kernel: []), group: 1, activation: .sigmoid)
        let tail = [
            Node(name: "squeeze", op: .globalAveragePool, inputs: ["c"], outputs: ["g"]),
            Node(name: "reduce", op: .conv(reduce), inputs: ["g", "rw", "rb"], outputs: ["r"]),
            Node(name: "expand", op: .conv(expand), inputs: ["r", "ew", "eb"], outputs: ["s"]),
            Node(name: "scale", op: .binary(.mul), inputs: scaleFirst ? ["s", "c"] : ["c", "s"], outputs: ["y"]),
        ]
        let extra = ["rw": Self.constant([6, 24, 1, 1], rng.array(144)), "rb": Self.constant([6], rng.array(6)),
                     "ew": Self.constant([24, 6, 1, 1], rng.array(144)), "eb": Self.constant([24], rng.array(24))]
        let r = try Self.convThen(tail, extra: extra)
        #expect(r.plan.nativeConvolutionCount == 3)
        // Only x in and y out: the pool, the 1×1 convolutions and the scale run natively.
        #expect(r.plan.reorderCount == 2, "\(r.plan.reorderCount) reorders")
        #expect(within(relativeError(r.native.data, r.generic.data), 1e-5, "native.squeezeExcite"))
    }

    /// A plan dominated by dense 3×3 convolutions runs on nhwc where AVX-512 has oneDNN's
    /// brgemm kernels; a depthwise one on the channel-blocked layout.
    @Test func layoutFollowsTheArithmetic() throws {
        var rng = KernelReferenceTests.SplitMix(state: 3)
        var window = WindowAttributes(kernel: [])
        window.pads = [1, 1, 1, 1]
        func plan(group: Int) throws -> ExecutionPlan {
            let node = Node(name: "conv", op: .conv(ConvAttributes(window: window, group: group, activation: .relu)), inputs: ["x", "w", "b"], outputs: ["y"])
            let graph = Graph(nodes: [node], constants: ["w": Self.constant([32, 32 / group, 3, 3], rng.array(32 * 32 / group * 9)),
                                                         "b": Self.constant([32], rng.array(32))],
                              inputs: [GraphInput(name: "x", shape: [1, 32, 8, 8])], outputs: ["y"])
            return try InferenceEngine(graph: graph).makePlan(inputShapes: ["x": [1, 32, 8, 8]])
        }
        let avx512 = CPUPath.active == .avx512
        #expect(try plan(group: 1).nativeLayout == (avx512 ? "nhwc" : "nChw8c"))
        #expect(try plan(group: 32).nativeLayout == (avx512 ? "nChw16c" : "nChw8c"))
    }

    /// A residual block whose skip is itself a convolution's output: the add is taken into the
    /// project convolution (oneDNN's sum post-op, accumulating into the skip's buffer), also
    /// for a second block that reads the first one's sum, and so is the ReLU after that second
    /// add; the outputs equal the generic path's.
    @Test(arguments: [nil, Activation.relu])
    func residualAddsAreFusedIntoTheirConvolution(projectActivation: Activation?) throws {
        var rng = KernelReferenceTests.SplitMix(state: 13)
        func conv(_ name: String, _ x: String, _ cin: Int, _ cout: Int, k: Int, group: Int = 1, act: Activation?) -> (Node, [String: ConstantValue]) {
            Self.convNode(name, x, cin, cout, k: k, group: group, act: act, rng: &rng)
        }
        let parts = [conv("stem", "x", 3, 24, k: 3, act: .relu),
                     conv("e1", "stem", 24, 48, k: 1, act: .clip(min: 0, max: 6)), conv("p1", "e1", 48, 24, k: 1, act: projectActivation),
                     conv("e2", "s1", 24, 48, k: 1, act: .clip(min: 0, max: 6)), conv("p2", "e2", 48, 24, k: 1, act: projectActivation)]
        var constants: [String: ConstantValue] = [:]
        for (_, c) in parts { constants.merge(c) { a, _ in a } }
        let nodes = Array(parts.map(\.0).prefix(3)) + [Node(name: "add1", op: .binary(.add), inputs: ["p1", "stem"], outputs: ["s1"])]
            + Array(parts.map(\.0).suffix(2)) + [Node(name: "add2", op: .binary(.add), inputs: ["s1", "p2"], outputs: ["s2"]),
                                               Node(name: "relu2", op: .activation(.relu), inputs: ["s2"], outputs: ["r2"]),
                                               Node(name: "pool", op: .globalAveragePool, inputs: ["r2"], outputs: ["y"])]
        let graph = Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: [1, 3, 17, 15])], outputs: ["y"])
        let input = ["x": Tensor(shape: [1, 3, 17, 15], data: rng.array(3 * 17 * 15))]
        let native = try InferenceEngine(graph: graph).makePlan(inputShapes: ["x": [1, 3, 17, 15]])
        let generic = try InferenceEngine(graph: graph, cpuPath: .generic).makePlan(inputShapes: ["x": [1, 3, 17, 15]])
        #expect(native.nativeConvolutionCount == 5)
        // A convolution with its own activation is not fused: the graph adds after it, oneDNN's
        // post-ops would activate after the sum.
        #expect(native.stepCounts["Add"] == (projectActivation == nil ? nil : 2), "\(native.stepCounts)")
        // The ReLU after the second add goes into the same convolution (sum, then ReLU).
        #expect(native.stepCounts["relu"] == (projectActivation == nil ? nil : 1), "\(native.stepCounts)")
        #expect(generic.stepCounts["relu"] == 1)
        #expect(generic.stepCounts["Add"] == 2)
        let a = try native.run(input)["y"]!, b = try generic.run(input)["y"]!
        #expect(within(relativeError(a.data, b.data), 1e-5, "native.residualFusion"))
    }

    /// Review findings, each a plan that once went wrong: a plain reader of the skip before and
    /// after a fused add (the first reorder's copy must not serve the second), and a division of
    /// two 24-channel tensors (padded to 32 in nChw16c: 0/0 in the padding must not reach the
    /// next convolution as NaN).
    @Test func fusionKeepsLaterReadersAndPaddingStaysZero() throws {
        var rng = KernelReferenceTests.SplitMix(state: 17)
        func conv(_ name: String, _ x: String, _ cin: Int, _ cout: Int, act: Activation?) -> (Node, [String: ConstantValue]) {
            Self.convNode(name, x, cin, cout, k: 1, group: 1, act: act, rng: &rng)
        }
        let parts = [conv("stem", "x", 8, 24, act: .relu), conv("e1", "stem", 24, 24, act: .relu), conv("p1", "e1", 24, 24, act: nil),
                     conv("q", "s1", 24, 24, act: .relu), conv("d", "s1", 24, 24, act: .clip(min: 0.5, max: 6)),
                     conv("after", "ratio", 24, 24, act: nil)]
        var constants: [String: ConstantValue] = [:]
        for (_, c) in parts { constants.merge(c) { a, _ in a } }
        let n = parts.map(\.0)
        let nodes = [n[0], Node(name: "t0", op: .transpose(perm: [0, 1, 3, 2]), inputs: ["stem"], outputs: ["t0"]), n[1], n[2],
                     Node(name: "add", op: .binary(.add), inputs: ["p1", "stem"], outputs: ["s1"]),
                     Node(name: "t1", op: .transpose(perm: [0, 1, 3, 2]), inputs: ["s1"], outputs: ["t1"]), n[3], n[4],
                     // The divisor is ≥ 0.5 in every real channel (well conditioned); its padding is 0.
                     Node(name: "div", op: .binary(.div), inputs: ["q", "d"], outputs: ["ratio"]), n[5]]
        let graph = Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: [1, 8, 9, 7])], outputs: ["t0", "t1", "after"])
        let input = ["x": Tensor(shape: [1, 8, 9, 7], data: rng.array(8 * 9 * 7))]
        let plan = try InferenceEngine(graph: graph).makePlan(inputShapes: ["x": [1, 8, 9, 7]])
        #expect(plan.stepCounts["Add"] == nil, "the add was not fused: \(plan.stepCounts)")
        let native = try plan.run(input)
        let generic = try InferenceEngine(graph: graph, cpuPath: .generic).makePlan(inputShapes: ["x": [1, 8, 9, 7]]).run(input)
        for name in ["t0", "t1", "after"] {
            #expect(native[name]!.data.allSatisfy { $0.isFinite }, "\(name) has NaN or infinity")
            #expect(within(relativeError(native[name]!.data, generic[name]!.data), 1e-5, "native.review.\(name)"))
        }
    }
}
