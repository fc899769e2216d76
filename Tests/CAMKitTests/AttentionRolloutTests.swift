@testable import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// Attention rollout and gradient-weighted rollout against NumPy references
/// (Scripts/fixtures/make_rollout_fixtures.py) on the ViT and DeiT fixtures: first the rules
/// alone, fed the attention onnxruntime returned and torch autograd's attention gradients; then
/// end to end, camkit's own attention and gradients through `cam`'s path.
@Suite("attention rollout")
struct AttentionRolloutTests {
    static var models: [String: [String: Any]] {
        try! Fixtures.json("transformers/rollout/rollout.json")["models"] as! [String: [String: Any]]
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let model: String, key: String, fusion: String, discard: Float, row: String, raw: String
        /// The smallest gap, over layers, between the last discarded weight and the next: below
        /// camkit's and onnxruntime's attention difference (~1e-7) the two may discard differently.
        let gap: Double
        var testDescription: String { "\(model) \(key)" }
    }

    static let cases: [Case] = { let models = Self.models; return models.keys.sorted().flatMap { m -> [Case] in
        let rollout = models[m]!["rollout"] as! [String: [String: Any]]
        return rollout.keys.sorted().map { key in
            let r = rollout[key]!, files = (r["files"] as! [String: [String: String]])["rows"]!
            let gaps = (r["layers"] as? [[String: Any]] ?? []).compactMap { $0["boundary_gap"] as? Double }
            return Case(model: m, key: key, fusion: r["fusion"] as! String, discard: Float(r["discard_ratio"] as! Double),
                        row: files["row"]!, raw: files["raw"]!, gap: gaps.min() ?? .infinity)
        }
    } }()

    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 12, "rollout cases") }

    static func attention(_ model: String) throws -> (layers: [[Float]], tokens: Int, extra: Int) {
        let m = models[model]!
        let files = m["attention_files"] as! [String]
        return (try files.map { try Fixtures.npy("transformers/rollout/" + $0).floats() }, m["L"] as! Int, m["extra_tokens"] as! Int)
    }

    @Test("rollout of onnxruntime's attention", arguments: cases)
    func rolloutRule(c: Case) throws {
        let (layers, n, _) = try Self.attention(c.model)
        let row = AttentionRollout.rollout(layers, tokens: n, fusion: AttentionRollout.HeadFusion(rawValue: c.fusion)!, discardRatio: c.discard)
        let reference = try Fixtures.npy("transformers/rollout/" + c.row).floats()
        // Both float64 from the same float32 attention: measured 0 (equal once rounded to float32); bound 1e-6.
        #expect(within(relativeError(row.map { Float($0) }, reference), 1e-6, "rollout.rule.\(c.model).\(c.key)"))
    }

    @Test(arguments: ["vit", "deit"])
    func gradientRolloutRule(model: String) throws {
        let (layers, n, _) = try Self.attention(model)
        let g = Self.models[model]!["gradrollout"] as! [String: Any], files = g["files"] as! [String: Any]
        let gradients = try (files["attn_grad"] as! [String]).map { try Fixtures.npy("transformers/rollout/" + $0).floats() }
        let row = AttentionRollout.gradientRollout(layers, gradients: gradients, tokens: n)
        let reference = try Fixtures.npy("transformers/rollout/" + (files["row"] as! String)).floats()
        // Measured: 0 (as above); bound 1e-6.
        #expect(within(relativeError(row.map { Float($0) }, reference), 1e-6, "rollout.gradRule.\(model)"))
    }

    /// The whole path: camkit finds the Softmax outputs, computes them and (gradrollout) their
    /// gradients, and maps the class token's row onto the 8×8 grid.
    @Test(arguments: ["vit", "deit"])
    func endToEnd(model: String) throws {
        let classifier = try Classifier(modelPath: Fixtures.path("transformers/\(model)_op17.onnx"))
        let session = classifier.makeSession()
        let input = try Fixtures.npy("transformers/input_b1.npy").tensor()
        let m = Self.models[model]!, c = m["class"] as! Int
        let names = try AttentionRollout.attentionValues(classifier, inputShape: input.shape).names
        let expected = (m["onnx_softmax_value"] as! [String: [String]])["op17"]!
        #expect(names == expected)
        // camkit's attention gradients against torch autograd's.
        let plan = try classifier.engine.makeGradientPlan(inputShapes: [classifier.inputName: input.shape], targets: names, output: classifier.head.logitsName)
        let r = try plan.run([classifier.inputName: input], outputIndex: c)
        let files = (m["gradrollout"] as! [String: Any])["files"] as! [String: Any]
        for (name, file) in zip(names, files["attn_grad"] as! [String]) {
            let torch = try Fixtures.npy("transformers/rollout/" + file).floats()
            // Measured: 4.9e-7 worst of 4; bound 1e-4.
            #expect(within(relativeError(r.gradients[name]!.data, torch), 1e-4, "rollout.attnGrad.\(model).\(name)"))
        }
        let grad = try AttentionRollout.map(.gradrollout, input: input, classIndex: c, session: session, options: .init())
        let gradReference = try Fixtures.npy("transformers/rollout/" + (files["raw"] as! String)).floats()
        // Measured: 6.0e-7 worst of 2; bound 1e-4.
        #expect(within(relativeError(grad.values, gradReference), 1e-4, "rollout.gradMap.\(model)"))
        for k in Self.cases where k.model == model {
            // A discard boundary closer than camkit's and onnxruntime's attention differ (vit,
            // mean, 0.9: 9e-8) could discard another entry: the rule's test above covers it.
            guard k.gap > 1e-6 else { continue }
            var o = AttentionRollout.Options()
            o.headFusion = AttentionRollout.HeadFusion(rawValue: k.fusion)!
            o.discardRatio = k.discard
            let map = try AttentionRollout.map(.rollout, input: input, classIndex: c, session: session, options: o)
            let reference = try Fixtures.npy("transformers/rollout/" + k.raw).floats()
            #expect(map.height == 8 && map.width == 8)
            // Measured: 2.9e-7 worst of 11; bound 1e-4.
            #expect(within(relativeError(map.values, reference), 1e-4, "rollout.map.\(model).\(k.key)"))
        }
    }

    /// Swin's attention is windowed: no Softmax covers the grid, so rollout says what works.
    @Test func swinHasNoGlobalAttention() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("transformers/swin_op17.onnx"))
        #expect(throws: CAMError.self) { try AttentionRollout.attentionValues(classifier, inputShape: [1, 3, 64, 64]) }
    }
}
