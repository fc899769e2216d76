import Inference
import Testing
import TestSupport

/// Gradient plans run their convolutions forward and backward on oneDNN's native layout (its
/// backward-data kernels, reorders reversed). The same gradients on the generic path — plain
/// NCHW kernels and the hand-written rules, themselves checked against central differences and
/// torch autograd — are the reference: a small network with a plain-source stem, depthwise
/// convolutions at stride 1 and 2, channels that do not fill a block (20, 36: padded), a
/// residual add and an internal target; the input gradient, a layer's, guided backpropagation
/// and the bias gradients FullGrad's hook sees.
@Suite("gradients on the native layout")
struct NativeGradientTests {
    static func graph() -> Graph {
        typealias G = GradientCheckTests
        var nodes: [Node] = [], constants: [String: ConstantValue] = [:]
        func add(_ made: (Node, [String: ConstantValue])) {
            nodes.append(made.0)
            constants.merge(made.1) { a, _ in a }
        }
        add(G.conv("x", "a", cin: 3, cout: 20, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], activation: .clip(min: 0, max: 6), seed: 1))
        add(G.conv("a", "b", cin: 20, cout: 20, k: [3, 3], pads: [1, 1, 1, 1], group: 20, activation: .clip(min: 0, max: 6), seed: 3))
        add(G.conv("b", "c", cin: 20, cout: 20, k: [1, 1], pads: [0, 0, 0, 0], seed: 5))
        nodes.append(Node(name: "d", op: .binary(.add), inputs: ["c", "a"], outputs: ["d"]))
        add(G.conv("d", "e", cin: 20, cout: 20, k: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2], group: 20, activation: .relu, seed: 7))
        add(G.conv("e", "f", cin: 20, cout: 36, k: [1, 1], pads: [0, 0, 0, 0], activation: .relu, seed: 9))
        nodes.append(G.unary(.globalAveragePool, "f", "g"))
        nodes.append(G.unary(.flatten(axis: 1), "g", "h"))
        nodes.append(Node(name: "y", op: .gemm(alpha: 1, beta: 1, transA: false, transB: true), inputs: ["h", "fc.w", "fc.b"], outputs: ["y"]))
        constants["fc.w"] = G.constant([10, 36], seed: 11)
        constants["fc.b"] = G.constant([10], seed: 12)
        return Graph(nodes: nodes, constants: constants, inputs: [GraphInput(name: "x", shape: [2, 3, 17, 19])], outputs: ["y"])
    }

    struct Run {
        var gradients: [String: [Float]]
        var values: [String: [Float]]
        var nativeSteps: Int
        /// Σ g·b per biased convolution, from the hook.
        var biasTerms: [String: Float]
    }

    static func run(path: CPUPath, threads: Int, targets: [String], guided: Bool = false) throws -> Run {
        var rng = KernelReferenceTests.SplitMix(state: 77)
        let x = Tensor(shape: [2, 3, 17, 19], data: rng.array(2 * 3 * 17 * 19).map { $0 * 2 })
        let engine = InferenceEngine(graph: graph(), threads: threads, cpuPath: path)
        let plan = try engine.makeGradientPlan(inputShapes: ["x": x.shape], targets: targets, output: "y")
        plan.guidedReLU = guided
        var terms: [String: Float] = [:]
        plan.onBiasGradient = { b in
            var sum: Float = 0
            let plane = b.height * b.width
            for n in 0..<b.batch {
                for c in 0..<b.channels {
                    for i in 0..<plane { sum += b.gradient[(n * b.channels + c) * plane + i] * b.bias[c] }
                }
            }
            terms[b.node, default: 0] += sum
        }
        let result = try plan.run(["x": x], outputIndex: 13)   // batch 1's class 3
        return Run(gradients: result.gradients.mapValues(\.data), values: result.values.mapValues(\.data),
                   nativeSteps: plan.nativeBackwardCount, biasTerms: terms)
    }

    @Test(arguments: [["x"], ["d", "b"]], [false, true])
    func nativeMatchesGeneric(targets: [String], guided: Bool) throws {
        let generic = try Self.run(path: .generic, threads: 1, targets: targets, guided: guided)
        #expect(generic.nativeSteps == 0)
        guard CPUPath.active != .generic else { return }
        let one = try Self.run(path: .active, threads: 1, targets: targets, guided: guided)
        let two = try Self.run(path: .active, threads: 2, targets: targets, guided: guided)
        // Every convolution after the earliest target runs its backward pass natively.
        #expect(one.nativeSteps >= (targets == ["x"] ? 5 : 3), "\(one.nativeSteps) native backward steps")
        let label = "native.gradient.\(targets.joined(separator: "+"))\(guided ? ".guided" : "")"
        for t in targets {
            #expect(one.gradients[t]! == two.gradients[t]!, "\(t): the gradient differs between 1 and 2 threads")
            // Both sum the same products in another order: measured 1.9e-7 worst of the six
            // (AVX-512 and AVX2 alike); bound 1e-5. A wrong rule or a lost padding is O(1).
            #expect(within(relativeError(one.gradients[t]!, generic.gradients[t]!), 1e-5, "\(label).\(t)"))
            #expect(one.values[t]! == generic.values[t]! || relativeError(one.values[t]!, generic.values[t]!) < 1e-5, "\(t): values differ")
            #expect(generic.gradients[t]!.contains { $0 != 0 }, "\(t): an all-zero gradient proves nothing")
        }
        #expect(Set(one.biasTerms.keys) == Set(generic.biasTerms.keys))
        for (node, term) in generic.biasTerms {
            #expect(abs(one.biasTerms[node]! - term) <= 1e-5 * max(1, abs(term)), "\(node): bias gradient term \(one.biasTerms[node]!) vs \(term)")
        }
    }
}
