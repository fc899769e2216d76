import Inference
import ONNX
import Testing
import TestSupport

/// torchvision architectures exported by Scripts/fixtures/make_onnx_fixtures.py, against onnxruntime
/// (graph optimisations disabled) to max|ours − ref| / max|ref| ≤ 1e-4.
@Suite("torchvision models against onnxruntime")
struct ModelFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String, input: String, output: String
        var testDescription: String { "\(file) on \(input)" }
    }

    static let cases: [Case] = {
        let models = try! Fixtures.json("onnx/manifest.json")["models"] as! [[String: Any]]
        var out: [Case] = []
        for m in models {
            let file = m["file"] as! String
            for c in m["cases"] as! [[String: Any]] {
                out.append(Case(file: file, input: c["input"] as! String, output: c["output"] as! String))
            }
        }
        return out
    }()

    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 22, "model cases") }

    @Test("logits match onnxruntime", arguments: cases)
    func matches(c: Case) throws {
        let model = try ONNXModel.load(path: Fixtures.path("onnx/" + c.file))
        let engine = InferenceEngine(graph: model.graph)
        let input = try Fixtures.npy("onnx/" + c.input).tensor()
        let expected = try Fixtures.npy("onnx/" + c.output).tensor()
        let plan = try engine.makePlan(inputShapes: [model.graph.inputs[0].name: input.shape])
        let out = try plan.run([model.graph.inputs[0].name: input])[model.graph.outputs[0]]!
        #expect(out.shape == expected.shape)
        let err = relativeError(out.data, expected.data)
        // Measured: 4.5e-6 worst of 22 (shufflenet, mobilenet_v2); bound 1e-4 (22×).
        #expect(within(err, 1e-4, "modelFixture.\(c.file).\(c.input)"), "relative error \(err)")
    }

    @Test func unoptimisedGraphGivesTheSameLogits() throws {
        let model = try ONNXModel.load(path: Fixtures.path("onnx/efficientnet_b0_small.onnx"))
        let input = try Fixtures.npy("onnx/efficientnet_b0_small.input.npy").tensor()
        let name = model.graph.inputs[0].name
        let fused = try InferenceEngine(graph: model.graph).makePlan(inputShapes: [name: input.shape]).run([name: input])
        let plain = try InferenceEngine(graph: model.graph, optimize: false).makePlan(inputShapes: [name: input.shape]).run([name: input])
        let out = model.graph.outputs[0]
        // Measured: 8.3e-7; bound 1e-5 (12×).
        #expect(within(relativeError(fused[out]!.data, plain[out]!.data), 1e-5, "modelFixture.unoptimised"))
    }
}
