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

/// `cam model --write-sidecar` drafts a sidecar from the graph, and a sidecar that contradicts
/// the graph is refused at load naming both numbers.
@Suite("cam model --write-sidecar and sidecar checks", .serialized)
struct SidecarDraftTests {
    static func cam(_ args: [String]) throws -> Command.Result { try Command.run("cam", args, in: Command.repository) }

    static func copy(_ fixture: String, into dir: String) throws -> String {
        let path = dir + "/" + (fixture as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: path)
        return path
    }

    static func sidecar(_ path: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + ".json"))) as? [String: Any])
    }

    @Test func draftsReadTheGraphAndRunAsWritten() throws {
        let dir = try temporaryFolder("draft")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A CNN with free height and width: 224, full, stride 32 (resnet18's 7×7 at 224).
        let resnet = try Self.copy("onnx/resnet18.onnx", into: dir)
        let r = try Self.cam(["model", resnet, "--write-sidecar"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try Self.sidecar(resnet)
        #expect(s["input_size"] as? Int == 224 && s["resize"] as? String == "full" && s["stride"] as? Int == 32, "\(s)")
        #expect((s["_comment"] as? String)?.contains("NOT in an ONNX graph") == true && r.stdout.contains("NOT read from the graph"))
        #expect(try Self.cam(["explain", "Samples/images/chelsea.png", "--model", resnet, "--out", dir + "/o1", "--quiet"]).status == 0)
        // Never over an existing sidecar.
        let again = try Self.cam(["model", resnet, "--write-sidecar"])
        #expect(again.status == 2 && again.stderr.contains("resnet18.onnx.json") && again.stderr.contains("exists already"), "\(again.stderr)")
        // A transformer fixed at 64×64: 64, stretch, the patch stride of its token grid.
        let vit = try Self.copy("transformers/vit_op17.onnx", into: dir)
        #expect(try Self.cam(["model", vit, "--write-sidecar"]).status == 0)
        let v = try Self.sidecar(vit)
        let grid = try Self.cam(["model", vit]).stdout.split(separator: "\n").first { $0.hasPrefix("token grid: ") }
        let side = try #require(grid.flatMap { Int($0.dropFirst("token grid: ".count).prefix { $0.isNumber }) })
        #expect(v["input_size"] as? Int == 64 && v["resize"] as? String == "stretch" && v["stride"] as? Int == 64 / side, "\(v)")
        #expect(try Self.cam(["explain", "Samples/images/chelsea.png", "--model", vit, "--method", "gradcam", "--out", dir + "/o2", "--quiet"]).status == 0)
    }

    @Test func sidecarsThatContradictAFixedInputAreRefused() throws {
        let dir = try temporaryFolder("contradict")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vit = try Self.copy("transformers/vit_op17.onnx", into: dir)
        for (json, message) in [(#"{"input_size": 96, "resize": "stretch"}"#, "input_size 96, but the model's input is fixed at 64×64"),
                                (#"{"input_size": 64, "resize": "full"}"#, "resize full keeps each photo's aspect, but the model's input is fixed at 64×64")] {
            try json.write(toFile: vit + ".json", atomically: true, encoding: .utf8)
            let r = try Self.cam(["explain", "Samples/images/chelsea.png", "--model", vit, "--method", "gradcam", "--out", dir + "/o", "--quiet"])
            #expect(r.status == 2 && r.stderr.contains("vit_op17.onnx.json") && r.stderr.contains(message), "\(r.stderr)")
        }
    }
}
