import Inference
import Testing
import TestSupport

/// The shape and mask arithmetic transformers export (Equal, Where, Not, Mod, Expand, Pow),
/// folded before the run: values as ONNX defines them, and hostile constants refused with an
/// error rather than a crash or an allocation past the element limit.
@Suite("plan-time logic")
struct PlanTimeLogicTests {
    static func run(_ nodes: [Node], _ constants: [String: ConstantValue], output: String, limit: Int = 1 << 30) throws -> Tensor {
        // A run-time input so the graph is a real plan; the folded value is added to it.
        let graph = Graph(nodes: nodes + [Node(name: "out", op: .binary(.add), inputs: ["x", output], outputs: ["y"])], constants: constants,
                          inputs: [GraphInput(name: "x", shape: [1])], outputs: ["y"])
        let plan = try InferenceEngine(graph: graph, maxTensorElements: limit).makePlan(inputShapes: ["x": [1]])
        return try plan.run(["x": Tensor(shape: [1], data: [0])])["y"]!
    }
    static func ints(_ v: [Int64]) -> ConstantValue { .int(IntTensor(shape: [v.count], data: v)) }
    static func floats(_ v: [Float]) -> ConstantValue { .float(Tensor(shape: [v.count], data: v)) }

    @Test func valuesAsONNXDefinesThem() throws {
        // torch's expand(n, -1, -1): Where(Equal(shape, -1), 1, shape), then Expand.
        let eq = try Self.run([Node(name: "e", op: .compare(.equal), inputs: ["s", "m"], outputs: ["eq"]),
                               Node(name: "w", op: .where, inputs: ["eq", "one", "s"], outputs: ["w"]),
                               Node(name: "c", op: .cast(toFloat: true), inputs: ["w"], outputs: ["f"])],
                              ["s": Self.ints([2, -1, 3]), "m": Self.ints([-1, -1, -1]), "one": Self.ints([1, 1, 1])], output: "f")
        #expect(eq.data == [2, 1, 3])
        // Mod: Python's sign without fmod, C's with it; Int64.min % −1 is 0, not a trap.
        let mod = try Self.run([Node(name: "m", op: .mod(fmod: false), inputs: ["a", "b"], outputs: ["r"]),
                                Node(name: "c", op: .cast(toFloat: true), inputs: ["r"], outputs: ["f"])],
                               ["a": Self.ints([-7, 7, Int64.min]), "b": Self.ints([3, -3, -1])], output: "f")
        #expect(mod.data == [2, -2, 0])
        let fmod = try Self.run([Node(name: "m", op: .mod(fmod: true), inputs: ["a", "b"], outputs: ["f"])],
                                ["a": Self.floats([-7, 7.5]), "b": Self.floats([3, -2])], output: "f")
        #expect(fmod.data == [-1, 1.5])
        // Not of a float (NaN is true), Expand of a float constant.
        let not = try Self.run([Node(name: "n", op: .not, inputs: ["a"], outputs: ["b"]),
                                Node(name: "c", op: .cast(toFloat: true), inputs: ["b"], outputs: ["f"])],
                               ["a": Self.floats([0, .nan, 2])], output: "f")
        #expect(not.data == [1, 0, 0])
        let expanded = try Self.run([Node(name: "x2", op: .expand, inputs: ["a", "s"], outputs: ["e"])],
                                    ["a": .float(Tensor(shape: [1, 2], data: [3, 4])), "s": Self.ints([3, 1])], output: "e")
        #expect(expanded.shape == [3, 2] && expanded.data == [3, 4, 3, 4, 3, 4])
    }

    @Test func hostileConstantsAreRefused() throws {
        // Broadcasts whose product overflows or passes the limit: refused before allocating.
        #expect(throws: InferenceError.self) {
            try Self.run([Node(name: "x2", op: .expand, inputs: ["a", "s"], outputs: ["e"])],
                         ["a": Self.floats([1]), "s": Self.ints([1 << 32, 1 << 32])], output: "e")
        }
        #expect(throws: InferenceError.self) {
            try Self.run([Node(name: "w", op: .where, inputs: ["c", "a", "b"], outputs: ["w"])],
                         ["c": .int(IntTensor(shape: [4096, 1, 1], data: [Int64](repeating: 1, count: 4096))),
                          "a": .float(Tensor(shape: [1, 4096, 1], data: [Float](repeating: 0, count: 4096))),
                          "b": .float(Tensor(shape: [1, 1, 4096], data: [Float](repeating: 0, count: 4096)))], output: "w", limit: 1 << 24)
        }
        // An integer Pow whose result is no integer in range.
        #expect(throws: InferenceError.self) {
            try Self.run([Node(name: "p", op: .pow, inputs: ["a", "e"], outputs: ["r"]),
                          Node(name: "c", op: .cast(toFloat: true), inputs: ["r"], outputs: ["f"])],
                         ["a": Self.ints([10]), "e": Self.ints([30])], output: "f")
        }
    }
}
