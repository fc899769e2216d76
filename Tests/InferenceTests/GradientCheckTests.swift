import Inference
import Testing
import TestSupport

/// Each operator family's vector–Jacobian product against central differences of the forward
/// pass: a small graph x → op(s) → y, the score Σ r·y with seeded r, and ∂score/∂x from the
/// gradient plan compared element by element with (score(x + h·eᵢ) − score(x − h·eᵢ))/2h.
/// Shapes are odd on purpose (7×9 planes, strides that do not divide, asymmetric pads).
@Suite("gradients against central differences")
struct GradientCheckTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var input: [Int]
        var nodes: [Node]
        var constants: [String: ConstantValue] = [:]
        /// Values strictly apart (no ties for a max, no kink within h): a shuffled ramp.
        var spread = false
        var description: String { name }
    }

    static func constant(_ shape: [Int], seed: UInt64, scale: Float = 1) -> ConstantValue {
        var rng = KernelReferenceTests.SplitMix(state: seed)
        return .float(Tensor(shape: shape, data: rng.array(shape.elementCount).map { $0 * scale }))
    }

    static func conv(_ x: String, _ y: String, cin: Int, cout: Int, k: [Int], strides: [Int] = [1, 1], dilations: [Int] = [1, 1],
                     pads: [Int], group: Int = 1, activation: Activation? = nil, seed: UInt64) -> (Node, [String: ConstantValue]) {
        var w = WindowAttributes(kernel: [])
        w.strides = strides
        w.dilations = dilations
        w.pads = pads
        let node = Node(name: y, op: .conv(ConvAttributes(window: w, group: group, activation: activation)), inputs: [x, y + ".w", y + ".b"], outputs: [y])
        return (node, [y + ".w": constant([cout, cin / group, k[0], k[1]], seed: seed, scale: 0.5), y + ".b": constant([cout], seed: seed + 1)])
    }

    static func unary(_ op: Operator, _ x: String = "x", _ y: String = "y") -> Node { Node(name: y, op: op, inputs: [x], outputs: [y]) }

    static func window(_ k: [Int], strides: [Int], pads: [Int], ceil: Bool = false) -> WindowAttributes {
        var w = WindowAttributes(kernel: k)
        w.strides = strides
        w.pads = pads
        w.ceilMode = ceil
        return w
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        func convCase(_ name: String, input: [Int], cout: Int, k: [Int], strides: [Int] = [1, 1], dilations: [Int] = [1, 1], pads: [Int],
                      group: Int = 1, activation: Activation? = nil) {
            let (n, c) = conv("x", "y", cin: input[1], cout: cout, k: k, strides: strides, dilations: dilations, pads: pads, group: group,
                              activation: activation, seed: 11)
            cases.append(Case(name: name, input: input, nodes: [n], constants: c))
        }
        convCase("conv 3x3/2 asymmetric pads", input: [1, 3, 7, 9], cout: 4, k: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1])
        convCase("conv 2x3 grouped dilated", input: [1, 4, 9, 8], cout: 6, k: [2, 3], dilations: [2, 2], pads: [1, 2, 1, 2], group: 2)
        convCase("conv depthwise 3x3/2", input: [1, 5, 9, 7], cout: 5, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 5)
        convCase("conv depthwise 5x5 dilated", input: [1, 3, 8, 9], cout: 3, k: [5, 5], dilations: [2, 1], pads: [2, 2, 3, 1], group: 3)
        // Stride-1 depthwise input gradients run as a forward convolution with flipped taps:
        // asymmetric pads, a 2×3 dilated kernel, batch 2, a 7×7 one.
        convCase("conv depthwise 2x3 dilated, batch 2", input: [2, 3, 7, 9], cout: 3, k: [2, 3], dilations: [2, 1], pads: [1, 2, 0, 1], group: 3)
        convCase("conv depthwise 7x7", input: [1, 2, 9, 8], cout: 2, k: [7, 7], pads: [3, 3, 3, 3], group: 2)
        convCase("conv 1x1", input: [1, 6, 5, 7], cout: 4, k: [1, 1], pads: [0, 0, 0, 0])
        convCase("conv 1x1/2", input: [1, 6, 5, 7], cout: 4, k: [1, 1], strides: [2, 2], pads: [0, 0, 0, 0])
        convCase("conv + fused HardSwish", input: [1, 3, 6, 7], cout: 4, k: [3, 3], pads: [1, 1, 1, 1], activation: .hardSwish)
        convCase("conv + fused SiLU", input: [1, 3, 6, 7], cout: 4, k: [3, 3], pads: [1, 1, 1, 1], activation: .silu)
        convCase("conv batch 2", input: [2, 3, 5, 6], cout: 4, k: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1])
        let activations: [Activation] = [.relu, .leakyRelu(alpha: 0.1), .clip(min: -0.5, max: 0.7), .sigmoid, .hardSigmoid(alpha: 0.2, beta: 0.5),
                                         .hardSwish, .tanh, .silu, .erf, .gelu]
        for a in activations {
            // Activations with kinks get values spread away from them (a shuffled ramp over ±3.5).
            cases.append(Case(name: "activation \(a)", input: [1, 2, 5, 7], nodes: [unary(.activation(a))], spread: true))
        }
        cases.append(Case(name: "PRelu", input: [1, 3, 4, 5], nodes: [Node(name: "y", op: .prelu, inputs: ["x", "s"], outputs: ["y"])],
                          constants: ["s": constant([3, 1, 1], seed: 5)], spread: true))
        cases.append(Case(name: "BatchNormalization", input: [1, 3, 4, 5],
                          nodes: [Node(name: "y", op: .batchNormalization(epsilon: 1e-5), inputs: ["x", "g", "b", "m", "v"], outputs: ["y"])],
                          constants: ["g": constant([3], seed: 1), "b": constant([3], seed: 2), "m": constant([3], seed: 3),
                                      "v": .float(Tensor(shape: [3], data: [0.5, 1.5, 2]))]))
        // Squeeze-excite: x · sigmoid(GAP(x)), both operands reach x; then sub and div with broadcasting.
        cases.append(Case(name: "squeeze-excite product", input: [1, 3, 5, 6], nodes: [
            unary(.globalAveragePool, "x", "p"), unary(.activation(.sigmoid), "p", "s"),
            Node(name: "y", op: .binary(.mul), inputs: ["x", "s"], outputs: ["y"])]))
        cases.append(Case(name: "Sub and Div broadcast", input: [1, 3, 4, 5], nodes: [
            unary(.reduce(.mean, axes: [1], keepDims: true, noopWithEmptyAxes: false), "x", "m"),
            Node(name: "d", op: .binary(.sub), inputs: ["x", "m"], outputs: ["d"]),
            unary(.activation(.sigmoid), "x", "q"),
            Node(name: "y", op: .binary(.div), inputs: ["d", "q"], outputs: ["y"])]))
        cases.append(Case(name: "Sum of three", input: [1, 2, 3, 4], nodes: [
            unary(.activation(.tanh), "x", "t"), unary(.globalAveragePool, "x", "g"),
            Node(name: "y", op: .sum, inputs: ["x", "t", "g"], outputs: ["y"])]))
        cases.append(Case(name: "MaxPool 3x3/2 ceil", input: [1, 2, 7, 8],
                          nodes: [unary(.maxPool(window([3, 3], strides: [2, 2], pads: [1, 1, 0, 1], ceil: true)))], spread: true))
        cases.append(Case(name: "AveragePool excluding pads", input: [1, 2, 7, 8],
                          nodes: [unary(.averagePool(window([3, 2], strides: [2, 2], pads: [1, 0, 1, 1]), countIncludePad: false))]))
        cases.append(Case(name: "AveragePool including pads", input: [1, 2, 7, 8],
                          nodes: [unary(.averagePool(window([3, 3], strides: [2, 3], pads: [1, 1, 1, 1], ceil: true), countIncludePad: true))]))
        cases.append(Case(name: "GlobalMaxPool", input: [1, 3, 4, 5], nodes: [unary(.globalMaxPool)], spread: true))
        cases.append(Case(name: "ReduceMean spatial", input: [1, 3, 4, 5], nodes: [unary(.reduce(.mean, axes: [2, 3], keepDims: false, noopWithEmptyAxes: false))]))
        cases.append(Case(name: "ReduceMax channels", input: [1, 3, 4, 5], nodes: [unary(.reduce(.max, axes: [1], keepDims: true, noopWithEmptyAxes: false))], spread: true))
        cases.append(Case(name: "Concat and Split", input: [1, 4, 3, 5], nodes: [
            unary(.activation(.tanh), "x", "t"),
            Node(name: "c", op: .concat(axis: 1), inputs: ["x", "t"], outputs: ["c"]),
            Node(name: "s", op: .split(axis: 1, sizes: [3, 5]), inputs: ["c"], outputs: ["s0", "s1"]),
            unary(.activation(.sigmoid), "s0", "q"),
            Node(name: "y", op: .concat(axis: 1), inputs: ["s1", "q"], outputs: ["y"])]))
        func ints(_ v: [Int64]) -> ConstantValue { .int(IntTensor(shape: [v.count], data: v)) }
        // Only one part of the Split is read: the other's gradient is zero, not missing.
        cases.append(Case(name: "Split with an unused part", input: [1, 4, 3, 5], nodes: [
            Node(name: "s", op: .split(axis: 1, sizes: [1, 3]), inputs: ["x"], outputs: ["s0", "s1"]),
            unary(.activation(.tanh), "s1", "y")]))
        cases.append(Case(name: "Slice with steps", input: [1, 3, 7, 8],
                          nodes: [Node(name: "y", op: .slice(starts: nil, ends: nil, axes: nil), inputs: ["x", "st", "en", "ax", "sp"], outputs: ["y"])],
                          constants: ["st": ints([1, 6, 0]), "en": ints([3, 0, 8]), "ax": ints([1, 2, 3]), "sp": ints([1, -2, 3])]))
        for mode in [PadMode.constant, .reflect, .edge] {
            cases.append(Case(name: "Pad \(mode)", input: [1, 2, 4, 5], nodes: [unary(.pad(mode: mode, pads: [0, 0, 1, 2, 0, 0, 2, 1], value: 0.5))]))
        }
        cases.append(Case(name: "Transpose, Reshape, Flatten", input: [1, 3, 4, 5], nodes: [
            unary(.transpose(perm: [0, 2, 3, 1]), "x", "t"),
            Node(name: "r", op: .reshape(allowZero: false), inputs: ["t", "shape"], outputs: ["r"]),
            unary(.activation(.tanh), "r", "a"), unary(.flatten(axis: 1), "a", "y")],
                          constants: ["shape": .int(IntTensor(shape: [3], data: [1, 20, 3]))]))
        cases.append(Case(name: "Gather", input: [1, 5, 3, 4], nodes: [Node(name: "y", op: .gather(axis: 1), inputs: ["x", "i"], outputs: ["y"])],
                          constants: ["i": .int(IntTensor(shape: [4], data: [3, 0, 3, 4]))]))
        cases.append(Case(name: "Gemm transB after GAP", input: [1, 6, 3, 3], nodes: [
            unary(.globalAveragePool, "x", "p"), unary(.flatten(axis: 1), "p", "f"),
            Node(name: "y", op: .gemm(alpha: 0.5, beta: 1, transA: false, transB: true), inputs: ["f", "w", "b"], outputs: ["y"])],
                          constants: ["w": constant([4, 6], seed: 9), "b": constant([4], seed: 10)]))
        cases.append(Case(name: "Gemm transA runtime B", input: [1, 1, 4, 3], nodes: [
            Node(name: "r", op: .reshape(allowZero: false), inputs: ["x", "shape"], outputs: ["r"]),
            unary(.activation(.tanh), "r", "t"),
            Node(name: "y", op: .gemm(alpha: 1, beta: 0, transA: true, transB: false), inputs: ["r", "t"], outputs: ["y"])],
                          constants: ["shape": .int(IntTensor(shape: [2], data: [4, 3]))]))
        cases.append(Case(name: "MatMul attention-like", input: [1, 2, 5, 3], nodes: [
            unary(.transpose(perm: [0, 1, 3, 2]), "x", "t"),
            Node(name: "s", op: .matMul, inputs: ["x", "t"], outputs: ["s"]),
            unary(.softmax(axis: -1, coerced2D: false), "s", "p"),
            Node(name: "y", op: .matMul, inputs: ["p", "x"], outputs: ["y"])]))
        cases.append(Case(name: "MatMul broadcast weight", input: [1, 2, 5, 3], nodes: [
            Node(name: "y", op: .matMul, inputs: ["x", "w"], outputs: ["y"])], constants: ["w": constant([3, 4], seed: 4)]))
        cases.append(Case(name: "LogSoftmax", input: [1, 3, 4, 5], nodes: [unary(.logSoftmax(axis: 1, coerced2D: false))]))
        cases.append(Case(name: "LayerNormalization", input: [1, 2, 5, 6], nodes: [
            Node(name: "y", op: .layerNormalization(axis: -1, epsilon: 1e-5), inputs: ["x", "g", "b"], outputs: ["y"])],
                          constants: ["g": constant([6], seed: 7), "b": constant([6], seed: 8)]))
        return cases
    }()

    /// The case's graph followed by the score Σ r·y (r seeded), as one scalar output.
    static func scoredGraph(_ t: Case) -> (Graph, output: String) {
        let last = t.nodes.last!.outputs[0]
        var constants = t.constants
        var nodes = t.nodes
        constants["score.r"] = .float(Tensor(shape: [1], data: [1]))   // replaced once the shape is known
        nodes.append(Node(name: "score.mul", op: .binary(.mul), inputs: [last, "score.r"], outputs: ["score.weighted"]))
        nodes.append(Node(name: "score", op: .reduce(.sum, axes: nil, keepDims: false, noopWithEmptyAxes: false),
                          inputs: ["score.weighted"], outputs: ["score"]))
        return (Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: t.input.map { $0 })], outputs: ["score", last]), "score")
    }

    @Test(arguments: cases)
    func inputGradient(t: Case) throws {
        var (graph, output) = Self.scoredGraph(t)
        let last = t.nodes.last!.outputs[0]
        // The weighted output's shape, from a plain run, then the real weights r.
        let probe = try InferenceEngine(graph: graph, optimize: false, cpuPath: .generic).makePlan(inputShapes: ["x": t.input], outputs: [last])
        var rng = KernelReferenceTests.SplitMix(state: 99)
        var x = rng.array(t.input.elementCount)
        if t.spread {
            // A shuffled ramp over ±3.5: values 7/n apart, so ±h never changes an order or crosses a kink.
            let n = x.count
            let order = x.indices.sorted { x[$0] < x[$1] }
            for (rank, i) in order.enumerated() { x[i] = (Float(rank) + 0.5) / Float(n) * 7 - 3.5 + 0.013 }
        }
        let yShape = try probe.run(["x": Tensor(shape: t.input, data: x)])[last]!.shape
        graph.constants["score.r"] = Self.constant(yShape, seed: 42)
        let engine = InferenceEngine(graph: graph)   // load-time rewrites on, as for a real model
        let plan = try engine.makeGradientPlan(inputShapes: ["x": t.input], targets: ["x"], output: output)
        let result = try plan.run(["x": Tensor(shape: t.input, data: x)], outputIndex: 0)
        let g = result.gradients["x"]!.data
        let forward = try engine.makePlan(inputShapes: ["x": t.input], outputs: [output])
        func score(_ v: [Float]) throws -> Float { try forward.run(["x": Tensor(shape: t.input, data: v)])[output]!.data[0] }
        #expect(abs(result.output.data[0] - (try score(x))) <= 1e-4 * max(1, abs(result.output.data[0])), "\(t): forward values differ")
        let h: Float = t.spread ? 2e-3 : 1e-2
        var numeric = [Float](repeating: 0, count: x.count)
        for i in x.indices {
            var p = x, m = x
            p[i] += h
            m[i] -= h
            numeric[i] = (try score(p) - score(m)) / (2 * h)
        }
        // Float32 central differences: truncation O(h²) and rounding O(ε·|score|/h) — about 1e-3
        // of the largest gradient here. A wrong rule (a missed term, a misplaced index) is O(1).
        // Measured: 6.1e-4 worst of 46; bound 1e-2 (16×).
        let scale = max(numeric.map(abs).max()!, 1e-3)
        let worst = zip(g, numeric).map { abs($0 - $1) }.max()! / scale
        #expect(within(worst, 1e-2, "gradient.\(t.name)"), "\(t): max |analytic − numeric| / max|numeric| = \(worst)")
    }
}
