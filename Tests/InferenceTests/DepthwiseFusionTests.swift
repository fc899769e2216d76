import Inference
import Testing
import TestSupport

/// An inverted-residual block's expand 1×1 → depthwise 3×3 → project 1×1 on the native path:
/// where oneDNN can, the depthwise runs fused into the expand (the expanded tensor is never
/// written whole). Fused or not, the output must equal the generic path's and must not depend
/// on the thread count; the cases oneDNN's fusion cannot express must stay two convolutions.
@Suite("expand → depthwise fusion", .enabled(if: CPUPath.active != .generic))
struct DepthwiseFusionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var cin = 16, expanded = 96, h = 28, w = 22, stride = 2
        var pads = [0, 0, 1, 1]
        /// Whether the fusion must happen (nil: oneDNN decides, e.g. whether it has a jit kernel).
        var fused: Bool?
        /// The expanded value is also a plan output (so it must be written whole).
        var expandedIsOutput = false
        var testDescription: String {
            "\(cin)→\(expanded) \(h)×\(w) stride \(stride) pads \(pads)" + (expandedIsOutput ? " expanded read out" : "")
        }
    }

    /// oneDNN 2.6 fuses with its jit kernel only where the expanded tensor is large (its
    /// reference fusion, which writes that tensor to a scratchpad, is refused): the cases that
    /// must fuse are EfficientNet-Lite0's first expand at a 224×336 input.
    static let cases: [Case] = [
        // EfficientNet's stride-2 blocks: same padding at the end only.
        Case(h: 112, w: 168, fused: true),
        Case(cin: 24, expanded: 144, h: 112, w: 168, stride: 1, pads: [1, 1, 1, 1], fused: true),
        Case(cin: 40, expanded: 240, h: 14, w: 20),
        // Channels that are not whole blocks (padded in the native layout).
        Case(cin: 24, expanded: 40, h: 120, w: 200),
        // Symmetric padding, stride 2 and 1.
        Case(cin: 24, expanded: 144, h: 14, w: 13, pads: [1, 1, 1, 1]),
        Case(cin: 24, expanded: 144, h: 14, w: 13, stride: 1, pads: [1, 1, 1, 1]),
        // An odd size with end-only padding: the output is one row short of ⌈h / 2⌉, which the
        // fused kernel cannot produce.
        Case(h: 111, w: 168, fused: false),
        // Pads oneDNN's post-op cannot describe (top ≠ left).
        Case(h: 112, w: 168, pads: [1, 0, 1, 1], fused: false),
        Case(h: 112, w: 168, fused: false, expandedIsOutput: true),
    ]

    @Test(arguments: cases)
    func block(t: Case) throws {
        var rng = KernelReferenceTests.SplitMix(state: 23)
        let parts = [NativeKernelTests.convNode("expand", "x", t.cin, t.expanded, k: 1, group: 1, act: .clip(min: 0, max: 6), rng: &rng),
                     NativeKernelTests.convNode("dw", "expand", t.expanded, t.expanded, k: 3, stride: t.stride, pads: t.pads, group: t.expanded,
                                                act: .clip(min: 0, max: 6), rng: &rng),
                     NativeKernelTests.convNode("project", "dw", t.expanded, t.cin, k: 1, group: 1, act: nil, rng: &rng)]
        var constants: [String: ConstantValue] = [:]
        for (_, c) in parts { constants.merge(c) { a, _ in a } }
        let shape = [1, t.cin, t.h, t.w]
        let outputs = t.expandedIsOutput ? ["y", "expand"] : ["y"]
        var nodes = parts.map(\.0)
        nodes[2].outputs = ["y"]
        let graph = Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: shape)], outputs: outputs)
        let input = ["x": Tensor(shape: shape, data: rng.array(shape.elementCount))]
        var results: [[String: Tensor]] = []
        for (path, threads) in [(CPUPath.active, 1), (CPUPath.active, 2), (CPUPath.generic, 1)] {
            let plan = try InferenceEngine(graph: graph, keep: Set(outputs), optimize: false, threads: threads, cpuPath: path)
                .makePlan(inputShapes: ["x": shape], outputs: outputs)
            if path != .generic {
                #expect(plan.nativeConvolutionCount == 3, "\(t): oneDNN ran \(plan.nativeConvolutionCount) of 3")
                if let fused = t.fused { #expect(plan.fusedDepthwiseCount == (fused ? 1 : 0), "\(t): \(plan.fusedDepthwiseCount) fused") }
            }
            results.append(try plan.run(input))
        }
        for name in outputs {
            #expect(results[0][name]!.data.allSatisfy { $0.isFinite }, "\(t): \(name) has NaN or infinity")
            #expect(results[0][name]!.data == results[1][name]!.data, "\(t): \(name) differs between 1 and 2 threads")
            #expect(within(relativeError(results[0][name]!.data, results[2][name]!.data), 1e-5, "native.depthwiseFusion.\(name)"))
        }
    }
}
