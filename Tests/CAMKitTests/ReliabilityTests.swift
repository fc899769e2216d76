import FileIO
import Foundation
import ImageIO
import Testing
import TestSupport

/// Crash safety, output safety, concurrency, determinism and faults, by running the real binary.
@Suite("reliability", .serialized)
struct ReliabilityTests {
    static let samples = Command.repository + "/Samples/images"

    @discardableResult
    static func cam(_ args: [String], shellPrefix: String? = nil) throws -> Command.Result {
        try Command.run("cam", args, shellPrefix: shellPrefix)
    }

    static func temporary(_ tag: String) throws -> String { try temporaryFolder(tag) }

    /// A folder of `count` photos made from the samples (copies under distinct names).
    static func photoFolder(_ count: Int) throws -> String {
        let dir = try temporary("photos")
        let names = try FileManager.default.contentsOfDirectory(atPath: samples).sorted()
        for i in 0..<count {
            let name = names[i % names.count]
            try FileManager.default.copyItem(atPath: samples + "/" + name, toPath: dir + "/\(i)-" + name)
        }
        return dir
    }

    static func files(_ dir: String) -> [String] {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted()
    }

    /// Lines in `path` now (0 when it does not exist yet).
    static func lineCount(_ path: String) -> Int {
        guard let bytes = try? FileBytes.read(path) else { return 0 }
        return bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// Starts `cam explain` over `photos` photos and SIGKILLs it once results.jsonl holds at least
    /// `records` records; proves the kill landed mid-run: the process died by SIGKILL and fewer
    /// records than photos were written. Returns the records written.
    static func killMidRun(_ args: [String], out: String, photos: Int, records: Int) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Fixtures.binary("cam"))
        p.environment = Command.childEnvironment
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && lineCount(out + "/results.jsonl") < records && Date() < deadline { usleep(2_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let written = lineCount(out + "/results.jsonl")
        #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL,
                "cam was not killed by the signal (it ended first: reason \(p.terminationReason.rawValue), status \(p.terminationStatus))")
        #expect(written >= records && written < photos, "killed with \(written) records of \(photos); wanted \(records)..<\(photos)")
        return written
    }

    /// SIGKILL at three points of a 12-photo run (after the 1st, 5th and 9th record of their pass),
    /// each proven to land mid-run; then resume with --skip-existing and compare every byte with
    /// an uninterrupted run.
    @Test func killedRunResumesToIdenticalOutputs() throws {
        let photos = 12
        let input = try Self.photoFolder(photos)
        let whole = try Self.temporary("whole"), resumed = try Self.temporary("resumed")
        defer { for d in [input, whole, resumed] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(try Self.cam(["explain", input, "--out", whole, "--quiet"]).status == 0)
        try requireCount(Self.files(whole).filter { $0.hasSuffix(".cam.png") }, atLeast: photos, "overlays of the whole run")
        var overlaysBefore = 0
        for records in [1, 5, 9] {
            try Self.killMidRun(["explain", input, "--out", resumed, "--quiet", "--skip-existing"], out: resumed, photos: photos, records: records)
            // Whatever was written is whole: every line of results.jsonl parses.
            // Read through POSIX: Foundation's String(contentsOfFile:) leaked a 4 KiB read buffer
            // under LeakSanitizer here (in FoundationEssentials.readBytesFromFile).
            if let bytes = try? FileBytes.read(resumed + "/results.jsonl") {
                let text = String(decoding: bytes, as: UTF8.self)
                for line in text.split(separator: "\n") {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "partial line: \(line)")
                }
            }
            let overlays = Self.files(resumed).filter { $0.hasSuffix(".png") && !$0.contains(".camkit-tmp-") }
            for png in overlays {
                #expect((try? ImageDecoder.decode(path: resumed + "/" + png)) != nil, "\(png) is not a whole PNG")
            }
            // Each pass finishes what the last one left, so the overlays only grow.
            #expect(overlays.count >= overlaysBefore)
            overlaysBefore = overlays.count
        }
        #expect(overlaysBefore < photos, "the kills left nothing to resume")
        let last = try Self.cam(["explain", input, "--out", resumed, "--quiet", "--skip-existing"])
        #expect(last.status == 0, "\(last.stderr)")
        let names = try compareFolders(whole, resumed)
        #expect(names.filter { $0.hasSuffix(".cam.png") }.count == photos)
        #expect(!names.contains { $0.contains(".camkit-tmp-") })
    }

    @Test func threadsAndJobsGiveIdenticalOutputs() throws {
        let a = try Self.temporary("j1t2"), b = try Self.temporary("j2t1")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let photos = try requireCount(try FileManager.default.contentsOfDirectory(atPath: Self.samples), atLeast: 5, "samples")
        let r1 = try Self.cam(["explain", Self.samples, "--out", a, "--quiet", "--jobs", "1", "--threads", "2"])
        let r2 = try Self.cam(["explain", Self.samples, "--out", b, "--quiet", "--jobs", "2", "--threads", "1"])
        #expect(r1.status == 0 && r2.status == 0, "\(r1.stderr)\(r2.stderr)")
        // manifest.json records the --jobs and --threads settings themselves.
        let names = try compareFolders(a, b, ignoring: ["manifest.json"])
        #expect(names.filter { $0.hasSuffix(".cam.png") }.count == photos.count)
    }

    @Test func twoProcessesShareAnOutputFolder() throws {
        let input = try Self.photoFolder(8), out = try Self.temporary("shared")
        defer { for d in [input, out] { try? FileManager.default.removeItem(atPath: d) } }
        let processes = try (0..<2).map { _ -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try Fixtures.binary("cam"))
            p.environment = Command.childEnvironment
            p.arguments = ["explain", input, "--out", out, "--quiet", "--jobs", "1"]
            p.standardError = Pipe()
            return p
        }
        for p in processes { try p.run() }
        for p in processes { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        let names = Self.files(out)
        #expect(names.filter { $0.hasSuffix(".cam.png") }.count == 8)
        #expect(!names.contains { $0.contains(".camkit-tmp-") })
        for png in names where png.hasSuffix(".png") { #expect((try? ImageDecoder.decode(path: out + "/" + png)) != nil) }
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
    }

    @Test func outputFolderInsideTheInputIsNotExplained() throws {
        let input = try Self.photoFolder(2)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let out = input + "/maps"
        #expect(try Self.cam(["explain", input, "--recursive", "--out", out, "--quiet"]).status == 0)
        // A second run over the same tree must not pick up the first run's overlays.
        #expect(try Self.cam(["explain", input, "--recursive", "--out", out, "--quiet"]).status == 0)
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
    }

    @Test func symlinksCannotLeadWritesOutOfTheOutputFolder() throws {
        let input = try Self.temporary("in"), out = try Self.temporary("out"), outside = try Self.temporary("outside")
        defer { for d in [input, out, outside] { try? FileManager.default.removeItem(atPath: d) } }
        try FileManager.default.createDirectory(atPath: input + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.samples + "/coffee.png", toPath: input + "/sub/coffee.png")
        try FileManager.default.createSymbolicLink(atPath: out + "/sub", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: input + "/loop", withDestinationPath: input)  // a cycle
        let run = try Self.cam(["explain", input, "--recursive", "--out", out, "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("outside the output folder"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        // The input loop is not followed: one record, for sub/coffee.png, none through loop/.
        let records = String(decoding: try FileBytes.read(out + "/results.jsonl"), as: UTF8.self).split(separator: "\n")
        #expect(records.count == 1 && records.allSatisfy { !$0.contains("loop") && $0.contains("sub/coffee.png") }, "\(records)")
    }

    @Test func fullDiskIsAnErrorPerFileNotACrash() throws {
        let out = try Self.temporary("full")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // 64 KiB file-size limit: overlays of the samples are larger, the reports are not.
        let run = try Self.cam(["explain", Self.samples, "--out", out, "--quiet", "--jobs", "1"], shellPrefix: "ulimit -f 64;")
        #expect(run.status == 1)
        #expect(run.stderr.contains("cannot write file") && run.stderr.contains("File too large"), "\(run.stderr)")
        #expect(!Self.files(out).contains { $0.contains(".camkit-tmp-") })
    }

    @Test func truncatedModelIsAClearError() throws {
        let dir = try Self.temporary("model")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try Fixtures.bytes("onnx/resnet18.onnx")
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: dir + "/half.onnx"))
        let run = try Self.cam(["explain", Self.samples + "/coffee.png", "--model", dir + "/half.onnx", "--out", dir + "/out"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(dir + "/half.onnx") && run.stderr.contains("malformed ONNX file"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func fifoAmongInputsDoesNotHang() throws {
        let input = try Self.photoFolder(1), out = try Self.temporary("fifo")
        defer { for d in [input, out] { try? FileManager.default.removeItem(atPath: d) } }
        #expect(mkfifo(input + "/pipe.png", 0o644) == 0)
        let run = try Self.cam(["explain", input, "--out", out, "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("pipe.png") && run.stderr.contains("not a regular file"), "\(run.stderr)")
    }

    @Test func oddFileNamesStayInsideAndReportsStayParseable() throws {
        let input = try Self.temporary("names"), out = try Self.temporary("names-out")
        defer { for d in [input, out] { try? FileManager.default.removeItem(atPath: d) } }
        try FileManager.default.copyItem(atPath: Self.samples + "/coffee.png", toPath: input + "/two\nlines.png")
        try FileManager.default.createDirectory(atPath: input + "/sub", withIntermediateDirectories: true)
        // A name that is not valid UTF-8, made with the raw bytes.
        let rawName = Array((input + "/bad-").utf8) + [0xFF, 0xFE] + Array(".png".utf8) + [0]
        let source = try Data(contentsOf: URL(fileURLWithPath: Self.samples + "/camera.png"))
        let fd = rawName.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_WRONLY | O_CREAT, 0o644) }
        #expect(fd >= 0)
        _ = source.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let run = try Self.cam(["explain", input, input + "/sub/../two\nlines.png", "--out", out, "--quiet"])
        // The invalid-UTF-8 name is read by its bytes and its outputs name it with %XX.
        #expect(run.status == 0, "\(run.stderr)")
        let root = (input as NSString).lastPathComponent
        #expect(FileManager.default.fileExists(atPath: out + "/" + root + "/bad-%FF%FE.png.872-tripod.cam.png"), "\(Self.files(out))")
        // Nothing left the output folder and every report line parses.
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        #expect(FileManager.default.fileExists(atPath: out + "/two\nlines.png.967-espresso.cam.png"))
        #expect(Self.files(out).allSatisfy { !$0.contains("..") && !$0.hasPrefix("/") })
        let csvRows = try String(contentsOfFile: out + "/results.csv", encoding: .utf8)
        // Control characters are escaped in CSV: one row per line.
        #expect(csvRows.contains("two\\nlines.png,ok") && csvRows.split(separator: "\n").count == 4, "\(csvRows)")
    }
}
