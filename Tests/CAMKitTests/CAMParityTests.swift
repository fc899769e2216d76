import CAMKit
import Foundation
import ImageIO
import Inference
import Testing
import TestSupport

/// The shipped model against Scripts/fixtures/make_cam_fixtures.py (PyTorch + Pillow reference pipeline).
@Suite("CAM parity with the PyTorch reference", .serialized)
struct CAMParityTests {
    static let classifier = try! Classifier(modelPath: Fixtures.path("../../Samples/models/efficientnet_lite0.onnx"))
    nonisolated(unsafe) static let expected = try! Fixtures.json("cam/expected.json")
    static let images = ["chelsea.png", "coffee.png", "camera.png", "rocket.jpg", "astronaut.png"]

    struct Case: CustomTestStringConvertible, Sendable {
        let image: String, mode: ResizeMode
        var testDescription: String { "\(image) \(mode.rawValue)" }
    }
    static let cases = images.flatMap { i in ResizeMode.allCases.map { Case(image: i, mode: $0) } }

    @Test("top-1, logits and raw CAM match the reference", arguments: cases)
    func parity(c: Case) throws {
        let photo = try ImageDecoder.decode(path: Fixtures.path("../../Samples/images/" + c.image))
        var config = Self.classifier.config
        config.resize = c.mode
        let (tensor, geometry) = try Preprocessor(config: config).prepare(photo)
        let entry = (Self.expected[c.image] as! [String: Any])[c.mode.rawValue] as! [String: Any]
        #expect(geometry.inputWidth == entry["model_width"] as! Int && geometry.inputHeight == entry["model_height"] as! Int)
        let session = Self.classifier.makeSession()
        let (logits, features, head) = try session.run(tensor)
        let stem = (c.image as NSString).deletingPathExtension
        let refLogits = try Fixtures.npy("cam/\(stem).\(c.mode.rawValue).logits.npy").floats()
        let top = logits.indices.max { logits[$0] < logits[$1] }!
        let refTop = (entry["top5"] as! [[Any]])[0][0] as! Int
        #expect(top == refTop)
        // Preprocessing is Pillow-exact, so the inputs are identical and only float rounding differs.
        // Measured: 1.3e-6 worst of 15; bound 1e-4 (74×).
        #expect(within(relativeError(logits, refLogits), 1e-4, "camParity.logits.\(c.image).\(c.mode)"))
        let cam = try MethodMap.raw(.cam, MethodInput(features: features, logits: logits, head: head, classIndex: refTop))
        let refCAM = try Fixtures.npy("cam/\(stem).\(c.mode.rawValue).cam_top1.npy").floats()
        // Measured: 2.1e-6 worst of 15; bound 1e-4 (48×).
        #expect(within(relativeError(cam.values, refCAM), 1e-4, "camParity.cam.\(c.image).\(c.mode)"))
        // Free identity of a GAP → linear head: mean(M_c) + b_c = logit_c. Measured worst case over
        // the samples' top-5 classes: 5.5e-7 relative (float32 sums in another order than the Gemm).
        // Measured: 4.2e-7 worst of 15; bound 1e-5 (24×).
        #expect(within(abs(cam.mean + head.bias[refTop] - logits[refTop]) / max(1, abs(logits[refTop])), 1e-5, "camParity.identity.\(c.image).\(c.mode)"))
    }

    @Test func preprocessedInputMatchesPillowPipeline() throws {
        let photo = try ImageDecoder.decode(path: Fixtures.path("../../Samples/images/chelsea.png"))
        let (tensor, _) = try Preprocessor(config: Self.classifier.config).prepare(photo)
        let ref = try Fixtures.npy("cam/chelsea.full.input.npy")
        #expect(tensor.shape == ref.shape)
        #expect(tensor.data == ref.floats())
    }

    @Test func onnxLogitsMatchOnnxruntime() throws {
        let input = try Fixtures.npy("cam/chelsea.full.input.npy").tensor()
        let (logits, _, _) = try Self.classifier.makeSession().run(input)
        let ref = try Fixtures.npy("cam/efficientnet_lite0.ort.logits.npy").floats()
        // Measured: 3.3e-7; bound 1e-5 (30×), was 1e-4.
        #expect(within(relativeError(logits, ref), 1e-5, "camParity.ortLogits"))
    }

    @Test func identityHoldsForTopFiveClasses() throws {
        let photo = try ImageDecoder.decode(path: Fixtures.path("../../Samples/images/coffee.png"))
        let (tensor, _) = try Preprocessor(config: Self.classifier.config).prepare(photo)
        let (logits, features, head) = try Self.classifier.makeSession().run(tensor)
        for c in logits.indices.sorted(by: { logits[$0] > logits[$1] }).prefix(5) {
            let cam = try MethodMap.raw(.cam, MethodInput(features: features, logits: logits, head: head, classIndex: c))
            // Measured: 4.5e-7 worst; bound 1e-5 (22×).
            #expect(within(abs(cam.mean + head.bias[c] - logits[c]) / max(1, abs(logits[c])), 1e-5, "camParity.identityTop5.\(c)"))
        }
    }
}
