import CAMKit
import Foundation
import Testing
import TestSupport

@Suite("model sidecar")
struct SidecarTests {
    @Test func shippedSidecarReadsAsDocumented() throws {
        let path = Command.repository + "/Samples/models/efficientnet_lite0.onnx.json"
        let s = try ModelSidecar.parse(Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(s.inputSize == 224 && s.resize == .full && s.interpolation == .bicubic && s.stride == 32)
        #expect(s.mean == [127, 127, 127] && s.std == [128, 128, 128] && s.channelOrder == .rgb)
        #expect(s.labels == "imagenet_labels.txt")
    }

    @Test func missingKeysTakeDefaults() throws {
        let s = try ModelSidecar.parse(Data(#"{"input_size": 256, "resize": "crop"}"#.utf8), path: "m.json")
        #expect(s.inputSize == 256 && s.resize == .crop && s.stride == 32 && s.schemaVersion == 1)
    }

    @Test(arguments: [
        (#"{"schema_version": 2}"#, "schema_version"),
        (#"{"input_size": 0}"#, "input_size"),
        (#"{"std": [1, 0, 1]}"#, "std"),
        (#"{"mean": [1, 2]}"#, "mean"),
        (#"{"labels": "../../etc/passwd"}"#, "beside the model"),
        (#"{"resize": "zoom"}"#, "m.json"),
        ("not json", "m.json"),
    ])
    func badSidecarsAreClearErrors(json: String, mention: String) {
        do {
            _ = try ModelSidecar.parse(Data(json.utf8), path: "m.json")
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.hasPrefix("m.json: bad model sidecar") && error.description.contains(mention), "\(error)")
        }
    }

    @Test func presetsMatchTheirRecipes() {
        #expect(ModelSidecar.Preset.lite.meanStd.mean == [127, 127, 127])
        let imagenet = ModelSidecar.Preset.imagenet.meanStd
        // Measured: 0 (0.485·255 and 0.225·255 round to the same floats); exact, was 1e-3.
        #expect(within(abs(imagenet.mean[0] - 123.675), 0, "sidecar.mean") && within(abs(imagenet.std[2] - 57.375), 0, "sidecar.std"))
    }
}
