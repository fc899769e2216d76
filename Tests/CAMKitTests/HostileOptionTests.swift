import FileIO
import Foundation
import ImageIO
import Testing
import TestSupport

/// Option values, names and exit codes a hostile (or careless) user can type: every one is a
/// one-line error naming the option and its range, with exit code 2, never a crash.
@Suite("hostile users: options, names, exit codes", .serialized)
struct HostileOptionTests {
    static let samples = Command.repository + "/Samples/images"
    static let model = Command.repository + "/Samples/models/efficientnet_lite0.onnx"

    static func cam(_ args: [String], in directory: String? = nil) throws -> Command.Result {
        try Command.run("cam", args, in: directory)
    }

    static func temporary(_ tag: String) throws -> String { try temporaryFolder(tag) }

    /// (arguments after the photo, text the error must contain)
    static let badExplainValues: [([String], String)] = [
        (["--size", "0"], "--size 0 is outside 8...4096"),
        (["--size", "99999999999"], "--size 99999999999 is outside 8...4096"),
        (["--threshold", "nan"], "--threshold nan is outside 0.0...1.0"),
        (["--box-threshold", "nan"], "--box-threshold nan is outside 0.0...1.0"),
        (["--box-threshold=-0.5"], "--box-threshold -0.5 is outside"),
        (["--alpha", "inf"], "--alpha inf is outside"),
        (["--alpha", "1.5"], "--alpha 1.5 is outside"),
        (["--top-k", "0"], "--top-k 0 is outside"),
        (["--top-k", "5000"], "--top-k 5000 is outside 1...1000 (the model has 1000 classes)"),
        (["--top-k", "99999999999999999999"], "--top-k"),
        (["--jobs", "0"], "--jobs 0 is outside 1...256"),
        (["--threads", "100000"], "--threads 100000 is outside 1...256"),
        (["--batch-size=-3"], "--batch-size -3 is outside"),
        (["--max-pixels", "0"], "--max-pixels 0 is outside"),
        (["--max-pixels", "9223372036854775807"], "--max-pixels 9223372036854775807 is outside"),
        (["--shard", "3/2"], "--shard 3/2"),
        (["--method", "nope"], "'nope' is invalid for '--method"),
        (["--bogus"], "Unknown option '--bogus'"),
    ]

    @Test(arguments: badExplainValues)
    func badExplainValuesAreUsageErrors(extra: [String], message: String) throws {
        let out = try Self.temporary("badopt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try Self.cam(["explain", Self.samples + "/coffee.png", "--out", out + "/o", "--quiet"] + extra)
        #expect(run.status == 2, "\(extra): exit \(run.status)")
        #expect(run.stderr.contains(message), "\(extra): \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/o/results.jsonl"), "nothing written for a usage error")
    }

    static let badOtherValues: [([String], String)] = [
        (["inspect", samples + "/coffee.png", "--panel-height", "100000"], "--panel-height 100000 is outside 16...4096"),
        (["inspect", samples + "/coffee.png", "--top-k", "1001"], "--top-k 1001 is outside 1...1000"),
        // Found by `Scripts/fuzz options`: this grid needed 19 GB and the process was killed.
        (["inspect", samples + "/coffee.png", "--top-k", "256", "--panel-height", "4096"], "the grid would have 6524535168 pixels"),
        (["eval", samples, "--boxes", "x.csv", "--steps", "0"], "--steps 0 is outside"),
        (["eval", samples, "--boxes", "x.csv", "--box-threshold", "nan"], "--box-threshold nan is outside"),
        (["run", model, "--repeat", "0"], "--repeat 0 is outside"),
        (["run", model, "--threads", "0"], "--threads 0 is outside"),
        (["model", model, "--size", "0"], "--size 0 is outside 8...4096"),
        (["merge"], "Missing expected argument"),
    ]

    @Test(arguments: badOtherValues)
    func badValuesOfOtherCommandsAreUsageErrors(args: [String], message: String) throws {
        let run = try Self.cam(args)
        #expect(run.status == 2, "\(args): exit \(run.status)")
        #expect(run.stderr.contains(message), "\(args): \(run.stderr)")
    }

    /// A `.npy` whose header shape overflows when multiplied is refused, naming the shape.
    @Test func npyShapeThatOverflowsIsRefused() throws {
        let dir = try Self.temporary("npy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for shape in ["(4611686018427387904, 4611686018427387904, 16)", "(1, 3, 100000, 100000)"] {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/x.npy"))
            let run = try Self.cam(["run", Self.model, "--input", dir + "/x.npy", "--out", dir + "/o"])
            #expect(run.status == 2)
            #expect(run.stderr.contains("x.npy: shape \(shape) has more than 1073741824 elements"), "\(run.stderr)")
        }
    }

    /// A photo whose aspect ratio would need a gigantic resize in crop mode is an error for that
    /// photo only (the header-checked pixel count is small).
    @Test func extremeAspectRatioIsAPerPhotoError() throws {
        let dir = try Self.temporary("aspect")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PNGEncoder().write(RGBImage(width: 60_000, height: 1, pixels: [UInt8](repeating: 128, count: 180_000)), to: dir + "/strip.png")
        try FileManager.default.copyItem(atPath: Self.samples + "/coffee.png", toPath: dir + "/coffee.png")
        let run = try Self.cam(["explain", dir, "--out", dir + "/out", "--quiet", "--resize", "crop", "--size", "1024"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("strip.png: a 60000x1 photo would be resized to"), "\(run.stderr)")
        let results = try String(contentsOfFile: dir + "/out/results.jsonl", encoding: .utf8)
        #expect(results.contains("\"input\":\"coffee.png\"") && results.contains("\"status\":\"ok\""), "\(results)")
    }

    /// A labels file with the wrong number of lines is refused, naming both numbers.
    @Test func labelsOfTheWrongLengthAreRefused() throws {
        let dir = try Self.temporary("labels")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for count in [10, 1001] {
            try (0..<count).map { "class \($0)" }.joined(separator: "\n").write(toFile: dir + "/l.txt", atomically: false, encoding: .utf8)
            let run = try Self.cam(["explain", Self.samples + "/coffee.png", "--labels", dir + "/l.txt", "--out", dir + "/o", "--quiet"])
            #expect(run.status == 2)
            #expect(run.stderr.contains("l.txt: bad labels file (\(count) labels for a model with 1000 classes)"), "\(run.stderr)")
        }
    }

    /// `--skip-existing` keeps an overlay only if it decodes and was drawn with the same
    /// settings: a 0-byte file, a foreign PNG and an overlay of another colormap are redrawn,
    /// byte-identical to a fresh run; a kept overlay is not touched.
    @Test func skipExistingKeepsOnlyOverlaysOfTheSameSettings() throws {
        let dir = try Self.temporary("skip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let photo = Self.samples + "/coffee.png", name = "/coffee.png.967-espresso.cam.png"
        #expect(try Self.cam(["explain", photo, "--out", dir + "/fresh", "--quiet"]).status == 0)
        #expect(try Self.cam(["explain", photo, "--out", dir + "/turbo", "--quiet", "--colormap", "turbo"]).status == 0)
        let fresh = try FileBytes.read(dir + "/fresh" + name)
        let stale: [[UInt8]] = [[], try FileBytes.read(photo), try FileBytes.read(dir + "/turbo" + name)]
        for bytes in stale {
            try FileManager.default.createDirectory(atPath: dir + "/resume", withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: dir + "/resume" + name))
            #expect(try Self.cam(["explain", photo, "--out", dir + "/resume", "--quiet", "--skip-existing"]).status == 0)
            #expect(try FileBytes.read(dir + "/resume" + name) == fresh, "a stale overlay of \(bytes.count) bytes was kept")
        }
        // A matching overlay is kept: its modification time does not move.
        let before = try FileManager.default.attributesOfItem(atPath: dir + "/resume" + name)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try Self.cam(["explain", photo, "--out", dir + "/resume", "--quiet", "--skip-existing"]).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: dir + "/resume" + name)[.modificationDate] as? Date == before)
    }

    /// Names: bytes that are not UTF-8 are read and reported (as %XX in outputs); a newline in
    /// a name never splits a message or a CSV row; a name starting with '-' gets a hint, not help.
    @Test func oddNamesAreExplainedAndShownOnOneLine() throws {
        let dir = try Self.temporary("names")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let raw = Array((input + "/bad").utf8) + [0xFF] + Array(".png".utf8)
        let photo = try FileBytes.read(Self.samples + "/coffee.png")
        let fd = open((raw.map { CChar(bitPattern: $0) } + [0]), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        try #require(fd >= 0)
        _ = photo.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: input + "/new\ncam: forged.png"))
        let run = try Self.cam(["explain", input, "--out", dir + "/out"])
        #expect(run.status == 1)
        #expect(!run.stderr.split(separator: "\n").contains { $0.hasPrefix("cam: forged") }, "\(run.stderr)")
        #expect(run.stderr.contains("new\\ncam: forged.png: not a PNG or JPEG image"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/bad%FF.png.967-espresso.cam.png"))
        let csv = try String(contentsOfFile: dir + "/out/results.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3, "header and one row per input: \(csv)")

        try FileManager.default.copyItem(atPath: Self.samples + "/coffee.png", toPath: dir + "/-dash.png")
        let dash = try Self.cam(["explain", "-dash.png", "--out", "o"], in: dir)
        #expect(dash.status == 2 && dash.stderr.contains("write ./-dash.png or put it after --"), "\(dash.stderr)")
        #expect(try Self.cam(["explain", "--out", "o", "--quiet", "--", "-dash.png"], in: dir).status == 0)
    }

    /// One table of exit codes (README): 0 all done, 1 some inputs failed, 2 nothing done.
    @Test func exitCodes() throws {
        let dir = try Self.temporary("codes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/junk.png"))
        try Data("junk".utf8).write(to: URL(fileURLWithPath: dir + "/junk.onnx"))
        let photo = Self.samples + "/coffee.png"
        let cases: [([String], Int32)] = [
            (["explain", photo, "--out", dir + "/a", "--quiet"], 0),
            (["--help"], 0), (["explain", "--help"], 0), (["--version"], 0),
            (["explain", photo, dir + "/junk.png", "--out", dir + "/b", "--quiet"], 1),
            (["explain", photo, dir + "/missing.png", "--out", dir + "/c", "--quiet"], 1),
            (["explain", photo, "--out", dir + "/d", "--alpha", "2"], 2),
            (["explain", photo, "--out", dir + "/e", "--model", dir + "/junk.onnx"], 2),
            (["explain", photo, "--out", dir + "/junk.png/x"], 2),
            (["explain"], 2), (["frobnicate", "--x"], 2),
        ]
        for (args, code) in cases {
            let run = try Self.cam(args)
            #expect(run.status == code, "\(args): exit \(run.status), expected \(code): \(run.stderr)")
        }
    }

    /// `--class N` on a model whose class count is known only from a run (SqueezeNet's class map
    /// before the pool): an error per photo naming the count, never a crash.
    @Test func classBeyondAClassMapHeadIsAnError() throws {
        let dir = try Self.temporary("nin")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = Fixtures.path("onnx/squeezenet1_1.onnx")
        let run = try Self.cam(["explain", Self.samples + "/coffee.png", "--model", model, "--class", "5000", "--out", dir, "--quiet"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("--class 5000: not a label or an index below 10"), "\(run.stderr)")
        #expect(try Self.cam(["explain", Self.samples + "/coffee.png", "--model", model, "--class", "9", "--out", dir, "--quiet"]).status == 0)
    }

    /// `--class` by label: one rule (label first, then index); a label two classes share is an
    /// error naming both, an unknown one names the nearest labels.
    @Test func classNamesAreLabelsFirstAndAmbiguityIsAnError() throws {
        let dir = try Self.temporary("classes")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var labels = (0..<1000).map { "class \($0)" }
        labels[5] = "dup"; labels[7] = "Dup"; labels[9] = "12"
        try labels.joined(separator: "\n").write(toFile: dir + "/l.txt", atomically: false, encoding: .utf8)
        func run(_ name: String) throws -> Command.Result {
            try Self.cam(["explain", Self.samples + "/coffee.png", "--labels", dir + "/l.txt", "--class", name, "--out", dir + "/o", "--quiet"])
        }
        let dup = try run("dup")
        #expect(dup.status == 2 && dup.stderr.contains("class 'dup' is the label of classes 5 and 7: give the index"), "\(dup.stderr)")
        let near = try run("clas 31")
        #expect(near.status == 2 && near.stderr.contains("nearest labels: 'class 31'"), "\(near.stderr)")
        // "12" is class 9's label, so it names class 9, not class 12.
        #expect(try run("12").status == 0)
        let record = try String(contentsOfFile: dir + "/o/results.jsonl", encoding: .utf8)
        #expect(record.contains("\"index\":9,\"label\":\"12\""), "\(record)")
    }
}
