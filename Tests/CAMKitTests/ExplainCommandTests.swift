import Foundation
import Inference
import Testing
import TestSupport

/// Runs the real `cam` binary (built by Scripts/test before the suite) on a folder with bad files.
@Suite("cam explain end to end", .serialized)
struct ExplainCommandTests {
    static let repo = Command.repository

    func run(_ args: [String]) throws -> (Int32, String) {
        let r = try Command.run("cam", args, in: Self.repo)
        return (r.status, r.stderr)
    }

    @Test func folderWithBadFilesFinishesAndReportsThem() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-e2e-\(UUID().uuidString)").path
        let input = dir + "/in", out = dir + "/out"
        try fm.createDirectory(atPath: input, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        for name in ["chelsea.png", "coffee.png", "rocket.jpg"] {
            try fm.copyItem(atPath: Self.repo + "/Samples/images/" + name, toPath: input + "/" + name)
        }
        // Same stem, two formats: outputs must not collide.
        try fm.copyItem(atPath: Self.repo + "/Samples/images/rocket.jpg", toPath: input + "/chelsea.jpg")
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: Self.repo + "/Samples/images/rocket.jpg"))
        try jpeg.prefix(jpeg.count / 2).write(to: URL(fileURLWithPath: input + "/truncated.jpg"))
        try Data("hello, not an image\n".utf8).write(to: URL(fileURLWithPath: input + "/text.png"))
        try Data().write(to: URL(fileURLWithPath: input + "/empty.jpg"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: input + "/README.txt"))

        let (status, stderr) = try run(["explain", input, "--out", out, "--quiet", "--jobs", "2"])
        #expect(status == 1, "some inputs failed, so exit 1: \(stderr)")
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let status_ = Dictionary(uniqueKeysWithValues: records.map { ($0["input"] as! String, $0["status"] as! String) })
        #expect(status_ == ["chelsea.jpg": "ok", "chelsea.png": "ok", "coffee.png": "ok", "rocket.jpg": "ok",
                            "empty.jpg": "error", "text.png": "error", "truncated.jpg": "error"])
        for name in ["empty.jpg", "text.png", "truncated.jpg"] {
            #expect(stderr.contains(input + "/" + name), "stderr names \(name)")
        }
        let files = try fm.contentsOfDirectory(atPath: out)
        #expect(files.filter { $0.hasSuffix(".cam.png") }.count == 4)
        #expect(files.contains("manifest.json") && files.contains("results.csv"))
        #expect(!files.contains { $0.hasPrefix(".camkit-tmp-") })
    }

    @Test func jobsDoNotChangeResults() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-jobs-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        let photos = try requireCount(try fm.contentsOfDirectory(atPath: Self.repo + "/Samples/images"), atLeast: 5, "samples")
        let (s1, e1) = try run(["explain", "Samples/images", "--out", dir + "/a", "--quiet", "--jobs", "1"])
        let (s2, e2) = try run(["explain", "Samples/images", "--out", dir + "/b", "--quiet", "--jobs", "2"])
        #expect(s1 == 0 && s2 == 0, "\(e1)\(e2)")
        // manifest.json records the --jobs setting itself.
        let names = try compareFolders(dir + "/a", dir + "/b", ignoring: ["manifest.json"])
        #expect(names.filter { $0.hasSuffix(".cam.png") }.count == photos.count)
    }

    @Test func nonLinearHeadIsAClearError() throws {
        let (status, stderr) = try run(["explain", "Samples/images/chelsea.png", "--model", "Tests/Fixtures/onnx/mobilenet_v3_small.onnx", "--out", "/tmp/camkit-v3"])
        #expect(status == 2)
        #expect(stderr.contains("not linear") && stderr.contains("classifier.1/HardSigmoid") && stderr.contains("--method gradcam"), "\(stderr)")
    }

    /// The non-linear head that `cam` refuses is explained by a gradient method, and the
    /// manifest records the method.
    @Test func gradientMethodExplainsANonLinearHead() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-v3-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, stderr) = try run(["explain", "Samples/images/chelsea.png", "--model", "Tests/Fixtures/onnx/mobilenet_v3_small.onnx",
                                        "--method", "gradcampp", "--aug-smooth", "--out", out, "--quiet"])
        #expect(status == 0, "\(stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
        #expect(manifest["method"] as? String == "gradcampp" && manifest["aug_smooth"] as? Bool == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).contains { $0.hasSuffix(".cam.png") })
    }

    @Test func inspectComparesMethods() throws {
        let grid = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-methods-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: grid) }
        let r = try Command.run("cam", ["inspect", "Samples/images/coffee.png", "--methods", "cam,gradcampp,eigencam,ablationcam", "--grid", grid], in: Self.repo)
        #expect(r.status == 0, "\(r.stderr)")
        for m in ["cam", "gradcampp", "eigencam", "ablationcam"] { #expect(r.stdout.contains("\n" + m + " ")) }
        #expect(FileManager.default.fileExists(atPath: grid))
        #expect(try Command.run("cam", ["inspect", "Samples/images/coffee.png", "--methods", "gradcam,nope"], in: Self.repo).status == 2)
    }

    /// --save-raw writes the raw map (Σ_k W[c,k]·F_k, no ReLU, no normalisation) of the shipped
    /// model, which must equal the PyTorch reference of Scripts/fixtures/make_cam_fixtures.py.
    @Test func savedRawMapMatchesThePyTorchReference() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-raw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, stderr) = try run(["explain", "Samples/images/chelsea.png", "--out", out, "--quiet", "--save-raw", "--resize", "full"])
        #expect(status == 0, "\(stderr)")
        let raws = try requireCount(filesUnder(out).filter { $0.hasSuffix(".npy") }, atLeast: 1, "raw maps")
        let saved = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + raws[0]))))
        let reference = try Fixtures.npy("cam/chelsea.full.cam_top1.npy")
        #expect(saved.shape == reference.shape)
        // Measured: 1.6e-6 (the same as CAMParityTests, chelsea full); bound 1e-4 (62×).
        #expect(within(relativeError(try saved.floats(), try reference.floats()), 1e-4, "savedRaw.chelsea"))
    }
}
