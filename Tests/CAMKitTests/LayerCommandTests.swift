import Foundation
import Inference
import Testing
import TestSupport

/// `--layer` and `cam model --layers` as a user runs them: the listing, maps at an earlier
/// layer (more cells, placed on the photo like the default's), and the errors that say what
/// to do instead.
@Suite("layers on the command line", .serialized)
struct LayerCommandTests {
    static func cam(_ args: [String]) throws -> (Int32, String, String) {
        let r = try Command.run("cam", args, in: Command.repository)
        return (r.status, r.stdout, r.stderr)
    }

    static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("camkit-layer-\(UUID().uuidString)").path
    }

    @Test func modelListsLayersWithTheDefaultLast() throws {
        let (status, out, err) = try Self.cam(["model", "--layers", "Tests/Fixtures/onnx/resnet18.onnx", "--size", "96"])
        #expect(status == 0, "\(err)")
        let rows = out.split(separator: "\n").dropFirst(2)
        try requireCount(rows, atLeast: 15, "resnet18 layers")
        // The head's features are the last feature map, index −1, marked as the default.
        #expect(rows.last!.hasPrefix("   -1* 64x3x3") && rows.last!.hasSuffix("/layer4/layer4.1/relu_1/Relu_output_0"), "\(rows.last!)")
        #expect(out.contains("/layer2/layer2.1/relu_1/Relu_output_0") && out.contains("16x12x12"))
    }

    @Test func layerCAMAtAnEarlierLayerHasMoreCells() throws {
        let dir = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, _, err) = try Self.cam(["explain", "Samples/images/chelsea.png", "--method", "layercam", "--layer", "-20",
                                             "--save-raw", "--out", dir, "--quiet"])
        #expect(status == 0, "\(err)")
        let raw = try filesUnder(dir).filter { $0.hasSuffix(".npy") }
        try requireCount(raw, atLeast: 1, "raw maps")
        let map = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + raw[0]))))
        // chelsea is 451×300: the input keeps the aspect (224×337) and the head's map is 7×11;
        // layer −20 (block 10's residual sum) is at stride 16, twice as fine.
        #expect(map.shape == [14, 22], "\(map.shape)")
        // Several layers by negative index, fused: "-20,-1" is a value, not an unknown option.
        let fused = try Self.cam(["explain", "Samples/images/chelsea.png", "--method", "layercam", "--layer", "-20,-1", "--out", dir + "/fused", "--quiet"])
        #expect(fused.0 == 0, "\(fused.2)")
    }

    @Test func unknownLayerSaysWhereTheListIs() throws {
        let (status, _, err) = try Self.cam(["explain", "Samples/images/chelsea.png", "--method", "gradcam", "--layer", "blocks.99", "--out", Self.temporaryFolder()])
        #expect(status == 2)
        #expect(err.contains("--layer blocks.99") && err.contains("cam model --layers"), "\(err)")
    }

    @Test func camAtAnotherLayerNamesTheMethodsThatWork() throws {
        let (status, _, err) = try Self.cam(["explain", "Samples/images/chelsea.png", "--layer", "-3", "--out", Self.temporaryFolder()])
        #expect(status == 2)
        #expect(err.contains("--method cam") && err.contains("layercam"), "\(err)")
    }
}
