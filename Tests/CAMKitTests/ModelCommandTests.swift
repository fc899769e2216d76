import Foundation
import Inference
import Testing
import TestSupport

/// `cam model` and `cam run` on every ONNX fixture, run as a user would.
@Suite("cam model and cam run", .serialized)
struct ModelCommandTests {
    static let repo = Command.repository
    static let models = argumentList("Tests/Fixtures/onnx") {
        try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("onnx")).filter { $0.hasSuffix(".onnx") }.sorted()
    }

    /// 11 ONNX fixtures when written: a list that comes up short fails here.
    @Test func everyFixtureIsListed() throws {
        try requireCount(Self.models.filter { $0.hasSuffix(".onnx") }, atLeast: 11, "ONNX fixtures")
    }

    static func cam(_ args: [String]) throws -> (Int32, String, String) {
        let r = try Command.run("cam", args, in: repo)
        return (r.status, r.stdout, r.stderr)
    }

    @Test("cam model describes the fixture and its head", arguments: models)
    func describe(model: String) throws {
        let (status, out, err) = try Self.cam(["model", "Tests/Fixtures/onnx/" + model, "--size", "96"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("parameters:") && out.contains("FLOPs at [1, 3, 96, 96]"))
        if model.hasPrefix("mobilenet_v3") {
            #expect(out.contains("not linear") && out.contains("HardSigmoid") && out.contains("gradcam"), "\(out)")
        } else {
            #expect(out.contains("CAM head: features"), "\(out)")
        }
    }

    @Test func runWritesOutputsAndIntermediates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feature = "/layer4/layer4.1/relu_1/Relu_output_0"
        let (status, _, err) = try Self.cam(["run", "Tests/Fixtures/onnx/resnet18.onnx", "--input", "Tests/Fixtures/onnx/resnet18.input2.npy",
                                             "--outputs", "logits," + feature, "--out", dir])
        #expect(status == 0, "\(err)")
        let logits = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/logits.npy")))).floats()
        let expected = try Fixtures.npy("onnx/resnet18.output2.npy").floats()
        // Measured: 9.9e-7; bound 2e-5 (20×), was 1e-4.
        #expect(within(relativeError(logits, expected), 2e-5, "camRun.logits"))
        let features = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/_layer4_layer4.1_relu_1_Relu_output_0.npy"))))
        #expect(features.shape == [2, 64, 2, 3])
    }

    @Test func unsupportedOperatorIsNamedAtLoadTime() throws {
        let (status, _, err) = try Self.cam(["model", "/usr/share/libonnx-testdata/data/node/test_det_2d/model.onnx"])
        #expect(status == 2)
        #expect(err.contains("unsupported operator Det") && err.contains("opset"), "\(err)")
    }
}
