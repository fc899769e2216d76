import Inference
import ONNX
import Testing
import TestSupport

/// Activation gradients of the torchvision fixtures against torch autograd
/// (Scripts/fixtures/make_gradient_fixtures.py): ∂logit_c/∂layer at three depths per model, all
/// three asked of one plan (so the earlier targets' gradients pass through the later ones), and
/// ∂logit_c/∂input; max|ours − torch| / max|torch| ≤ 1e-4.
///
/// A gradient jumps where a ReLU/Clip input or a max pool's top two cross: an input within
/// float rounding of such a kink makes two correct implementations disagree by percent. The
/// generator picks inputs whose kinks are all at least 3e-5 away and marks a comparison
/// `well_conditioned: false` when none could be found (mobilenet_v2's input gradient: a
/// Clip input 8.9e-7 from 0, across 200 seeded inputs); those are left out here, and counted.
@Suite("gradients against torch autograd")
struct GradientReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String, model: String, input: String, classIndex: Int
        let layers: [(value: String, gradient: String)]
        /// nil when the reference point is ill-conditioned (see above).
        let inputGradient: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        guard let manifest = try? Fixtures.json("gradients/gradients.json"), let models = manifest["models"] as? [[String: Any]] else { return [] }
        return models.map { m in
            Case(name: m["name"] as! String, model: m["model"] as! String, input: m["input"] as! String, classIndex: m["class"] as! Int,
                 layers: (m["layers"] as! [[String: Any]]).filter { $0["well_conditioned"] as? Bool == true }
                    .map { ($0["value"] as! String, "gradients/" + ($0["gradient"] as! String)) },
                 inputGradient: m["input_gradient_well_conditioned"] as? Bool == true ? "gradients/" + (m["input_gradient"] as! String) : nil)
        }
    }()

    @Test func listIsComplete() throws {
        try requireCount(Self.cases, atLeast: 6, "gradient reference models")
        try requireCount(Self.cases.flatMap(\.layers), atLeast: 18, "well-conditioned layer gradients")
        try requireCount(Self.cases.compactMap(\.inputGradient), atLeast: 5, "well-conditioned input gradients")
    }

    @Test("layer and input gradients match torch autograd", arguments: cases)
    func matches(c: Case) throws {
        let model = try ONNXModel.load(path: Fixtures.path(c.model))
        let engine = InferenceEngine(graph: model.graph)
        let inputName = model.graph.inputs[0].name, output = model.graph.outputs[0]
        let input = try Fixtures.npy(c.input).tensor()
        let layers = c.layers.map(\.value)
        let plan = try engine.makeGradientPlan(inputShapes: [inputName: input.shape], targets: layers, output: output)
        let result = try plan.run([inputName: input], outputIndex: c.classIndex)
        for (value, file) in c.layers {
            let expected = try Fixtures.npy(file).tensor()
            let got = try #require(result.gradients[value], "no gradient for \(value)")
            #expect(got.shape == expected.shape, "\(c.name) \(value)")
            let err = relativeError(got.data, expected.data)
            // Measured: 8.3e-6 worst of 18 (efficientnet_b0_small's early block); bound 1e-4 (12×).
            #expect(within(err, 1e-4, "gradient.\(c.name).\(value)"), "\(c.name) \(value): relative error \(err)")
        }
        guard let inputGradient = c.inputGradient else { return }
        let inputPlan = try engine.makeGradientPlan(inputShapes: [inputName: input.shape], targets: [inputName], output: output)
        let inputResult = try inputPlan.run([inputName: input], outputIndex: c.classIndex)
        let expected = try Fixtures.npy(inputGradient).tensor()
        // Measured: 8.6e-6 worst of 5 (efficientnet_b0_small).
        let err = relativeError(inputResult.gradients[inputName]!.data, expected.data)
        #expect(within(err, 1e-4, "gradient.\(c.name).input"), "\(c.name) input: relative error \(err)")
    }
}
