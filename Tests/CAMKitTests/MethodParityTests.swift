@testable import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// Every method against pytorch-grad-cam 1.5.7 (Scripts/fixtures/make_method_fixtures.py): the shipped
/// EfficientNet-Lite0 on two photos' inputs, and torchvision resnet18 (GAP → linear) and
/// mobilenet_v3_small (GAP → Gemm → HardSwish → Gemm, a non-linear head) on random inputs.
/// camkit computes its own features and logits from the input; only the maps are compared.
@Suite("methods: parity with pytorch-grad-cam", .serialized)
struct MethodParityTests {
    nonisolated(unsafe) static let expected = try! Fixtures.json("methods/expected.json")
    static let models: [String: String] = [
        "efficientnet_lite0": "../../Samples/models/efficientnet_lite0.onnx",
        "resnet18": "onnx/resnet18.onnx",
        "mobilenet_v3_small": "onnx/mobilenet_v3_small.onnx",
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        let key: String, model: String, input: String
        var testDescription: String { key }
    }

    static var cases: [Case] {
        let c = expected["cases"] as! [String: Any]
        return c.keys.sorted().map { key in
            let entry = c[key] as! [String: Any]
            return Case(key: key, model: entry["model"] as! String, input: entry["input"] as! String)
        }
    }

    /// pytorch-grad-cam's methods and, where camkit's definition differs on purpose, why it is skipped.
    static func skipped(_ method: String, key: String) -> Bool {
        switch (method, key) {
        // MobileNetV3's features (after HardSwish) go negative, where pytorch-grad-cam ablates
        // with min − 1e7·i instead of 0 (see AblationCAM.swift).
        case ("ablationcam", "mobilenet_v3_small.input"): return true
        // 1,280 forward passes; Score-CAM on the shipped model is checked on chelsea only.
        case ("scorecam", "efficientnet_lite0.camera"): return true
        default: return false
        }
    }


    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 4, "method parity cases") }

    @Test("maps, raw maps and weights within 1e-4 of pytorch-grad-cam (measured worst: 1.2e-5, 9.8e-6, 2.2e-5)", arguments: cases)
    func parity(c: Case) throws {
        let entry = (Self.expected["cases"] as! [String: Any])[c.key] as! [String: Any]
        let classifier = try Classifier(modelPath: Fixtures.path(Self.models[c.model]!))
        let session = classifier.makeSession()
        let x = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: Command.repository + "/" + c.input)))).tensor()
        let input = Tensor(shape: [1] + Array(x.shape.dropFirst()), data: Array(x.data.prefix(x.shape.dropFirst().reduce(1, *))))
        let (logits, features, head) = try session.run(input)
        let cls = entry["class"] as! Int
        #expect(logits.indices.max { logits[$0] < logits[$1] } == cls)
        #expect(head.isLinear == (c.model != "mobilenet_v3_small"))
        let methodInput = MethodInput(features: features, logits: logits, head: head, classIndex: cls)
        var options = MethodMap.Options()
        options.modelInput = input
        options.forward = { try session.logits(batch: $0) }
        // Score-CAM's masked passes once per case, shared by its map, raw map and weights.
        options.scoreCache = ScoreCAM.Cache()
        let methods = (entry["methods"] as! [String: Any]).keys.sorted()
        func rawReference(_ name: String) throws -> [Float]? {
            guard let file = ((entry["methods"] as! [String: Any])[name] as! [String: Any])["raw"] as? String else { return nil }
            return try Fixtures.npy("methods/" + file).floats()
        }
        var checked = 0, rawChecked = 0
        for name in methods where !Self.skipped(name, key: c.key) {
            let file = ((entry["methods"] as! [String: Any])[name] as! [String: Any])["map"] as! String
            let reference = try Fixtures.npy("methods/" + file).floats()
            let ours: [Float]
            switch name {
            case "gradcam_augsmooth", "eigencam_augsmooth":
                let method: CAMMethod = name.hasPrefix("gradcam") ? .gradcam : .eigencam
                let views = try AugmentationSmoothing.views(of: input) { let r = try session.run($0); return (r.logits, r.features) }
                // numpy's sign per view, as the fixture recorded it (ttach's view order: flip outer, scale inner).
                let signs = ((entry["methods"] as! [String: Any])[name] as! [String: Any])["svd_sign"] as? [Int]
                var view = 0
                ours = try AugmentationSmoothing.average(views) { v in
                    let input = MethodInput(features: v.features, logits: v.logits, head: head, classIndex: cls)
                    defer { view += 1 }
                    let m = try MethodMap.raw(method, input)
                    guard method == .eigencam, let signs else { return m }
                    return Self.numpySigned(m, channels: v.features.data, count: input.channels, svdSign: signs[view])
                }.values
            case "gradcam_eigensmooth":
                var o = options
                o.eigenSmooth = true
                ours = try Self.signAligned(MethodMap.raw(.gradcam, methodInput, options: o), name, refRaw: rawReference(name))
                    .normalized().values
            default:
                let method = try #require(CAMMethod(rawValue: name))
                ours = try Self.signAligned(MethodMap.raw(method, methodInput, options: options), name, refRaw: rawReference(name))
                    .normalized().values
            }
            let diff = try maxAbsDifference(ours, reference)
            // Measured: 1.2e-5 worst (resnet18 eigencam), most 1e-6; bound 1e-4 (8×).
            #expect(within(diff, 1e-4, "parity.\(c.key).\(name)"), "\(c.key) \(name): max |camkit − pytorch-grad-cam| = \(diff)")
            checked += 1
            let files = (entry["methods"] as! [String: Any])[name] as! [String: Any]
            if let rawFile = files["raw"] as? String {
                // The raw map, before ReLU and normalisation (what --save-raw writes): min–max
                // normalising above hides a scale error.
                var o = options
                o.eigenSmooth = name == "gradcam_eigensmooth"
                let method = try #require(CAMMethod(rawValue: name.replacingOccurrences(of: "_eigensmooth", with: "")))
                var raw = try MethodMap.raw(method, methodInput, options: o).values
                let refRaw = try Fixtures.npy("methods/" + rawFile).floats()
                // A principal component's sign is arbitrary (numpy's SVD); camkit's rule picks one.
                raw = Self.signAligned(ClassActivationMap(width: 1, height: raw.count, values: raw), name, refRaw: refRaw).values
                #expect(refRaw.count == raw.count)
                // Measured: 9.8e-6 worst (efficientnet camera ablationcam); bound 1e-4 (10×).
                #expect(within(relativeError(raw, refRaw), 1e-4, "parity.raw.\(c.key).\(name)"), "\(c.key) \(name) raw")
                rawChecked += 1
            }
            if let weightFile = files["weights"] as? String {
                let ours = try Self.weights(name, methodInput, options: options)
                let refWeights = try Fixtures.npy("methods/" + weightFile).floats()
                #expect(refWeights.count == ours.count)
                // Measured: 2.2e-5 worst (efficientnet chelsea scorecam: a softmax of float32 scores), most < 1e-6; bound 1e-4 (4.6×).
                #expect(within(relativeError(ours, refWeights), 1e-4, "parity.weights.\(c.key).\(name)"), "\(c.key) \(name) weights")
                rawChecked += 1
            }
        }
        #expect(checked >= 8)
        #expect(rawChecked >= 8, "raw maps and weights compared: \(rawChecked)")
    }

    /// A principal component's sign is arbitrary: pytorch-grad-cam's is whatever numpy's SVD
    /// returns, camkit's is its own rule (positive skew, checked by MethodReferenceTests and
    /// KnownAnswerTests). Parity is of the component, so a principal-component map (Eigen-CAM,
    /// `--eigen-smooth`) takes the reference's sign before the ReLU and normalisation; the
    /// reference's raw projection says which that is. Other maps pass through.
    static func signAligned(_ map: ClassActivationMap, _ name: String, refRaw: [Float]?) -> ClassActivationMap {
        guard name.contains("eigen"), let refRaw, zip(map.values, refRaw).reduce(Float(0), { $0 + $1.0 * $1.1 }) < 0 else { return map }
        return ClassActivationMap(width: map.width, height: map.height, values: map.values.map { -$0 })
    }

    /// A principal-component map with the sign numpy's SVD gave pytorch-grad-cam: its fixtures
    /// record `svd_sign`, +1 where the direction used had sum(v) > 0 — for the top eigenvector v
    /// of the centred XᵀX that is the sign with positive covariance with the channel sum
    /// (Σᵢ (Xv)ᵢ (X1)ᵢ = λ vᵀ1).
    static func numpySigned(_ map: ClassActivationMap, channels: [Float], count k: Int, svdSign: Int) -> ClassActivationMap {
        let n = map.values.count
        var covariance: Float = 0
        for i in 0..<n { covariance += map.values[i] * (0..<k).reduce(Float(0)) { $0 + channels[$1 * n + i] } }
        guard covariance * Float(svdSign) < 0 else { return map }
        return ClassActivationMap(width: map.width, height: map.height, values: map.values.map { -$0 })
    }

    /// camkit's channel weights α_k of a method, as pytorch-grad-cam's get_cam_weights returns them.
    static func weights(_ name: String, _ input: MethodInput, options: MethodMap.Options) throws -> [Float] {
        switch name {
        case "gradcam": return try GradCAM.weights(input)
        case "gradcampp": return try GradCAMPlusPlus.weights(input)
        case "xgradcam": return try XGradCAM.weights(input)
        case "ablationcam": return try AblationCAM.weights(input)
        case "scorecam":
            let scores = try options.scoreCache?.scores
                ?? ScoreCAM.scores(input, modelInput: try #require(options.modelInput), batchSize: 16, forward: try #require(options.forward))
            return ScoreCAM.weights(scores, classIndex: input.classIndex)
        default: throw CheckFailure("no weights for \(name)")
        }
    }

    /// ∂logit_c/∂pooled through MobileNetV3's Gemm → HardSwish → Gemm against torch autograd.
    @Test func headProgramGradientMatchesAutograd() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("onnx/mobilenet_v3_small.onnx"))
        let program = try #require(classifier.head.program)
        let features = try Fixtures.npy("methods/mobilenet_v3_small.input.features.npy").tensor()
        let cls = ((Self.expected["cases"] as! [String: Any])["mobilenet_v3_small.input"] as! [String: Any])["class"] as! Int
        let input = MethodInput(features: Tensor(shape: Array(features.shape.suffix(3)), data: features.data), logits: [], head: classifier.head, classIndex: cls)
        let ours = try program.gradient(pooled: input.pooled, classIndex: cls)
        let reference = try Fixtures.npy("methods/mobilenet_v3_small.input.pooled_grad.npy").floats()
        // Measured: 7.3e-7; bound 2e-5 (27×), was 1e-4.
        #expect(within(relativeError(ours, reference), 2e-5, "headProgram.autograd"))
        // And against central differences of the head's own forward pass, in another class, at
        // every channel (float32 logits, step 1e-2·max(|p|, 1)).
        let p = input.pooled
        let other = (cls + 1) % program.classes
        let g = try program.gradient(pooled: p, classIndex: other)
        var worst: Float = 0
        for k in 0..<p.count {
            var up = p, down = p
            let h = max(abs(p[k]) * 1e-2, 1e-2)
            up[k] += h; down[k] -= h
            let numeric = (try program.logits(pooled: up)[other] - program.logits(pooled: down)[other]) / (2 * h)
            worst = max(worst, abs(numeric - g[k]) / max(1, abs(g[k])))
        }
        #expect(p.count >= 288)
        // Measured: 3.8e-6 worst of 288 channels; bound 5e-5 (13×), was 1e-3·max(1,|g|) + 2e-4 on 8 channels.
        #expect(within(worst, 5e-5, "headProgram.centralDifferences"), "worst channel: \(worst)")
    }

    /// For a GAP → linear head Grad-CAM and HiResCAM are CAM / (h·w): the same picture.
    @Test func gradCAMEqualsCAMForLinearHeads() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("../../Samples/models/efficientnet_lite0.onnx"))
        let x = try Fixtures.npy("cam/chelsea.full.input.npy").tensor()
        let (logits, features, head) = try classifier.makeSession().run(x)
        let input = MethodInput(features: features, logits: logits, head: head, classIndex: 285)
        let cam = try MethodMap.raw(.cam, input).normalized().values
        for method in [CAMMethod.gradcam, .hirescam] {
            // Measured: 6.6e-7; bound 1e-5 (15×).
            #expect(within(try maxAbsDifference(try MethodMap.raw(method, input).normalized().values, cam), 1e-5, "gradcamEqualsCAM.\(method)"))
        }
    }

    /// A rejected class (negative logit) keeps the map of evidence *for* it: the same picture
    /// as CAM's, not its negation (pytorch-grad-cam divides by the signed logit).
    @Test func ablationCAMWithANegativeLogitPointsAtTheEvidence() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("../../Samples/models/efficientnet_lite0.onnx"))
        let x = try Fixtures.npy("cam/chelsea.full.input.npy").tensor()
        let (logits, features, head) = try classifier.makeSession().run(x)
        let c = try #require(logits.indices.first { logits[$0] < -1 })
        let input = MethodInput(features: features, logits: logits, head: head, classIndex: c)
        let ablation = try MethodMap.raw(.ablationcam, input).values
        let cam = try MethodMap.raw(.cam, input).values
        let dot = zip(ablation, cam).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(dot > 0)
    }

    @Test func camOnANonLinearHeadNamesTheAlternative() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("onnx/mobilenet_v3_small.onnx"))
        let features = Tensor(shape: [classifier.head.channels, 2, 2], data: [Float](repeating: 1, count: classifier.head.channels * 4))
        let input = MethodInput(features: features, logits: [Float](repeating: 0, count: classifier.head.classes), head: classifier.head, classIndex: 0)
        #expect(throws: CAMError.camNeedsLinearHead(node: classifier.head.program!.firstNonLinear)) { try MethodMap.raw(.cam, input) }
    }
}

/// Non-linear heads after the pool, beyond MobileNetV3: a ConvNeXt-style LayerNormalization →
/// Gemm head on the resnet18 fixture's body (Scripts/fixtures/make_layernorm_head_fixture.py), and a
/// whole (tiny, random) torchvision ConvNeXt — Transpose → LayerNormalization → Transpose →
/// Flatten → Gemm after the pool, GELU as Erf in the body (Scripts/fixtures/make_convnext_fixture.py).
/// Logits against onnxruntime, the head program's gradient against torch autograd, Grad-CAM
/// and Grad-CAM++ against pytorch-grad-cam.
@Suite("methods: LayerNorm heads")
struct LayerNormHeadTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let model: String, input: String, firstNonLinear: String
        var testDescription: String { model }
    }

    static let cases = [
        Case(model: "layernorm_head/resnet18_layernorm_head", input: "onnx/resnet18.input.npy", firstNonLinear: "/fc/fc.0/LayerNormalization"),
        Case(model: "convnext/convnext_tiny", input: "convnext/convnext_tiny.input.npy", firstNonLinear: "/classifier/classifier.0/LayerNormalization"),
    ]

    @Test(arguments: cases)
    func logitsGradientAndMapsMatchTheReferences(c: Case) throws {
        let classifier = try Classifier(modelPath: Fixtures.path(c.model + ".onnx"))
        let program = try #require(classifier.head.program)
        #expect(program.firstNonLinear == c.firstNonLinear)
        let x = try Fixtures.npy(c.input).tensor()
        let input = Tensor(shape: [1] + Array(x.shape.dropFirst()), data: Array(x.data.prefix(x.shape.dropFirst().reduce(1, *))))
        let session = classifier.makeSession()
        let (logits, features, head) = try session.run(input)
        // Measured: 2.3e-6 (resnet18 head), 1.6e-7 (convnext); bound 1e-4 (44×).
        #expect(within(relativeError(logits, try Fixtures.npy(c.model + ".output.npy").floats()), 1e-4, "layernorm.\(c.model).logits"))
        let cls = logits.indices.max { logits[$0] < logits[$1] }!
        let methodInput = MethodInput(features: features, logits: logits, head: head, classIndex: cls)
        // Measured: 5.6e-7; bound 2e-5 (36×), was 1e-4.
        #expect(within(relativeError(try methodInput.pooledGradient(), try Fixtures.npy(c.model + ".input.pooled_grad.npy").floats()), 2e-5, "layernorm.\(c.model).pooledGrad"))
        // The head program's own forward pass agrees with the engine's logits.
        // Measured: 1.3e-7; bound 5e-6 (40×), was 1e-5.
        #expect(within(relativeError(try program.logits(pooled: methodInput.pooled), logits), 5e-6, "layernorm.\(c.model).programLogits"))
        for (method, name) in [(CAMMethod.gradcam, "gradcam"), (.gradcampp, "gradcampp")] {
            let ours = try MethodMap.raw(method, methodInput).normalized().values
            let reference = try Fixtures.npy(c.model + ".input.\(name).npy").floats()
            let diff = try maxAbsDifference(ours, reference)
            // Measured: 4.6e-6 worst; bound 1e-4 (22×).
            #expect(within(diff, 1e-4, "layernorm.\(c.model).\(name)"), "\(name): \(diff)")
        }
    }
}
