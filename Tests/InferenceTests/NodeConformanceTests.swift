import Foundation
import Inference
import ONNX
import Testing
import TestSupport

/// ONNX's own backend node tests (Debian's libonnx-testdata), as an allowlist in the manner of
/// tract's suite-onnx/node.txt: every listed case must pass; a new failure is a regression.
/// Set CAMKIT_NODE_SURVEY=1 to run every candidate and print which pass (to refresh the list).
@Suite("ONNX backend node tests")
struct NodeConformanceTests {
    static let dataRoot = "/usr/share/libonnx-testdata/data/"
    static let allowlist = argumentList("node_allowlist.txt") {
        try String(contentsOfFile: Fixtures.path("onnx/node_allowlist.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Runs one case; returns nil on success or the reason it failed.
    static func check(_ name: String) -> String? {
        let dir = dataRoot + name
        do {
            let model = try ONNXModel.load(path: dir + "/model.onnx")
            var graph = model.graph
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/test_data_set_0")) ?? []
            var feeds: [String: ConstantValue] = [:]
            for (i, input) in graph.inputs.enumerated() {
                guard files.contains("input_\(i).pb") else { return "missing input_\(i).pb" }
                feeds[input.name] = try ONNXModel.tensor(fromProtobuf: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/test_data_set_0/input_\(i).pb"))), name: "input_\(i)")
            }
            // Integer inputs, and float inputs the planner needs before the run (Clip bounds, …), become constants.
            var constantNames = Set(graph.inputs.filter { !$0.isFloat }.map(\.name))
            for _ in 0..<8 {
                var g = graph
                for n in constantNames { g.constants[n] = feeds[n] }
                g.inputs.removeAll { constantNames.contains($0.name) }
                let engine = InferenceEngine(graph: g)
                var shapes: [String: [Int]] = [:], tensors: [String: Tensor] = [:]
                for input in g.inputs {
                    guard case .float(let t) = feeds[input.name]! else { return "integer runtime input" }
                    shapes[input.name] = t.shape
                    tensors[input.name] = t
                }
                let plan: ExecutionPlan
                do {
                    plan = try engine.makePlan(inputShapes: shapes)
                } catch {
                    guard case .notConstant(_, _, let input) = error, !constantNames.contains(input) else { throw error }
                    constantNames.insert(input)
                    continue
                }
                let results = try plan.run(tensors)
                for (i, output) in g.outputs.enumerated() {
                    let expected = try ONNXModel.tensor(fromProtobuf: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/test_data_set_0/output_\(i).pb"))), name: "output_\(i)")
                    guard case .float(let want) = expected, let got = results[output] else { return "output \(output) not float" }
                    guard got.shape == want.shape else { return "output \(output) shape \(got.shape) vs \(want.shape)" }
                    // onnx's backend-test defaults: rtol 1e-3, atol 1e-7.
                    for j in 0..<want.count where !(abs(got.data[j] - want.data[j]) <= 1e-7 + 1e-3 * abs(want.data[j])) && !(got.data[j].isNaN && want.data[j].isNaN) {
                        return "output \(output)[\(j)] = \(got.data[j]), expected \(want.data[j])"
                    }
                }
                return nil
            }
            graph.inputs = []
            return "too many attribute-like inputs"
        } catch {
            return "\(error)"
        }
    }

    @Test("allowlisted node test passes", arguments: allowlist)
    func allowlisted(name: String) {
        let failure = Self.check(name)
        #expect(failure == nil, "\(name): \(failure ?? "")")
    }

    /// The allowlist held 259 cases when written; a list that shrinks (or an unreadable one) fails here.
    @Test func allowlistIsComplete() throws {
        try requireCount(Self.allowlist.filter { !$0.hasPrefix("<") }, atLeast: 259, "allowlisted node tests")
        try requireCount(try FileManager.default.contentsOfDirectory(atPath: Self.dataRoot + "node"), atLeast: 259, "libonnx-testdata node cases")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CAMKIT_NODE_SURVEY"] != nil))
    func survey() throws {
        let candidates = try String(contentsOfFile: Fixtures.path("onnx/node_candidates.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        var passed: [String] = []
        for name in candidates {
            if let failure = Self.check(name) { print("FAIL \(name): \(failure)") } else { passed.append(name) }
        }
        print("SURVEY passed \(passed.count) of \(candidates.count)")
        try (passed.joined(separator: "\n") + "\n").write(toFile: "/tmp/node_allowlist.txt", atomically: true, encoding: .utf8)
    }
}
