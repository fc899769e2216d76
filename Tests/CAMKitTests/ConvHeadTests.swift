import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// A 1×1 convolution after the global pool (timm's `conv_head`: GAP → Conv 1×1 → Hardswish →
/// Linear) is evaluated and differentiated as part of the head program, against onnxruntime's
/// logits, torch's gradient and pytorch-grad-cam's GradCAM (Scripts/fixtures/make_conv_head_fixture.py).
@Suite("heads with a 1×1 convolution after the pool")
struct ConvHeadTests {
    @Test func logitsGradientAndGradCAMMatchTheReferences() throws {
        let classifier = try Classifier(modelPath: Fixtures.path("conv_head/model.onnx"))
        let program = try #require(classifier.head.program, "the conv head was not taken as a program")
        #expect(program.classes == 5 && program.channels == 16)
        let session = classifier.makeSession()
        let input = try Fixtures.npy("conv_head/input.npy").tensor()
        let (logits, features, head) = try session.run(input)
        let c = try #require(Fixtures.json("conv_head/expected.json")["class"] as? Int)
        // The engine's logits (the whole graph) and the program's from the pooled vector.
        let ort = try Fixtures.npy("conv_head/logits.npy").floats()
        #expect(within(relativeError(logits, ort), 1e-5, "convhead.logits"))
        // The features of one image: [C, h, w].
        try #require(features.shape.count == 3, "features \(features.shape)")
        let (channels, cells) = (features.shape[0], features.shape[1] * features.shape[2])
        let pooled = (0..<channels).map { k in features.data[(k * cells)..<((k + 1) * cells)].reduce(0, +) / Float(cells) }
        #expect(within(relativeError(try program.logits(pooled: pooled), ort), 1e-5, "convhead.program.logits"))
        // ∂logit_c/∂pooled against torch's autograd.
        let gradient = try program.gradient(pooled: pooled, classIndex: c)
        #expect(within(relativeError(gradient, try Fixtures.npy("conv_head/pooled_grad.npy").floats()), 1e-5, "convhead.gradient"))
        // GradCAM at the head's features, as pytorch-grad-cam returns it: min-max normalised,
        // resized to the input (cv2 bilinear, half-pixel), then min-max normalised again (its
        // aggregation over target layers; the resize lowers the peak below 1).
        let map = try MethodMap.raw(.gradcam, MethodInput(features: features, logits: logits, head: head, classIndex: c)).normalized().values
        let up = MapUpsampler.resize(map, width: features.shape[2], height: features.shape[1], toWidth: 64, height: 64)
        let (lo, hi) = (up.min()!, up.max()!)
        let resized = up.map { ($0 - lo) / (1e-7 + (hi - lo)) }
        #expect(within(try maxAbsDifference(resized, try Fixtures.npy("conv_head/gradcam.npy").floats()), 1e-4, "convhead.gradcam"))
    }

    @Test func camExplainsItWithGradientMethodsAndSaysWhyNotCAM() throws {
        let out = try temporaryFolder("convhead")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let model = Fixtures.path("conv_head/model.onnx")
        let info = try Command.run("cam", ["model", model], in: Command.repository)
        #expect(info.stdout.contains("not linear") && info.stdout.contains("/conv_head/Conv") == false, "\(info.stdout)")
        let grad = try Command.run("cam", ["explain", "Samples/images/chelsea.png", "--model", model, "--method", "gradcam", "--out", out, "--quiet"], in: Command.repository)
        #expect(grad.status == 0, "\(grad.stderr)")
        let plain = try Command.run("cam", ["explain", "Samples/images/chelsea.png", "--model", model, "--out", out, "--quiet"], in: Command.repository)
        #expect(plain.status == 2 && plain.stderr.contains("gradcam"), "\(plain.stderr)")
    }
}
