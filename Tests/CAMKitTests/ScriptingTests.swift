import Foundation
import Testing
import TestSupport

/// What scripts and terminals see: `cam inspect --json`, and the progress display on a
/// terminal (through `script`, which gives the child a pseudo-terminal), on `TERM=dumb` and in a
/// pipe — never a colour escape (NO_COLOR).
@Suite("cam for scripts and terminals", .serialized)
struct ScriptingTests {
    static let photo = "Samples/images/chelsea.png"

    static func cam(_ args: [String]) throws -> Command.Result { try Command.run("cam", args, in: Command.repository) }

    @Test func inspectJSONIsTheTableAsData() throws {
        let out = try temporaryFolder("inspect-json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Self.cam(["inspect", Self.photo, "--top-k", "3", "--json", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let table = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(table["comparing"] as? String == "classes" && table["width"] as? Int == 451 && table["height"] as? Int == 300)
        #expect(FileManager.default.fileExists(atPath: try #require(table["grid"] as? String)))
        let rows = try #require(table["rows"] as? [[String: Any]])
        #expect(rows.map { $0["rank"] as? Int } == [1, 2, 3])
        // The same classes, probabilities and boxes as cam explain's record.
        let explained = try Self.cam(["explain", Self.photo, "--top-k", "3", "--out", out + "/explain", "--quiet"])
        #expect(explained.status == 0)
        let line = try String(contentsOfFile: out + "/explain/results.jsonl", encoding: .utf8).split(separator: "\n")[0]
        let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let predictions = try #require(record["predictions"] as? [[String: Any]])
        let boxes = try #require(record["explained"] as? [[String: Any]]).map { $0["box"] as? [Int] }
        #expect(rows.map { $0["index"] as? Int } == predictions.map { $0["index"] as? Int })
        #expect(rows.map { $0["probability"] as? Double } == predictions.map { $0["probability"] as? Double })
        #expect(rows.map { $0["box"] as? [Int] } == boxes)
        // Methods compared: one row each, with its time.
        let methods = try Self.cam(["inspect", Self.photo, "--methods", "cam,gradcam", "--json", "--out", out])
        let compared = try #require(try JSONSerialization.jsonObject(with: Data(methods.stdout.utf8)) as? [String: Any], "\(methods.stderr)")
        let methodRows = try #require(compared["rows"] as? [[String: Any]])
        #expect(compared["comparing"] as? String == "methods" && methodRows.map { $0["method"] as? String } == ["cam", "gradcam"])
        #expect(methodRows.allSatisfy { ($0["ms"] as? Double ?? -1) > 0 })
    }

    /// stderr of `cam explain` on two photos run under a pseudo-terminal with `TERM`.
    static func onTerminal(term: String, out: String) throws -> String {
        let command = "TERM=\(term) NO_COLOR=1 \(try Fixtures.binary("cam")) explain Samples/images/chelsea.png Samples/images/coffee.png --out \(out) 2>&1"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, "/dev/null"]
        p.currentDirectoryURL = URL(fileURLWithPath: Command.repository)
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func progressIsABarOnATerminalAndLinesElsewhereWithoutColour() throws {
        let out = try temporaryFolder("progress")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bar = try Self.onTerminal(term: "xterm", out: out + "/a")
        #expect(bar.contains("\r") && bar.contains("2/2") && bar.contains("photos/s") && !bar.contains("[1/2]"), "\(bar)")
        let dumb = try Self.onTerminal(term: "dumb", out: out + "/b")
        #expect(dumb.contains("[1/2]") && dumb.contains("[2/2]") && !dumb.contains("photos/s"), "\(dumb)")
        let piped = try Self.cam(["explain", Self.photo, "--out", out + "/c"])
        #expect(piped.stderr.contains("[1/1] chelsea.png: ") && !piped.stderr.contains("\r"))
        for text in [bar, dumb, piped.stderr] { #expect(!text.contains("\u{1B}"), "a terminal escape in \(text.debugDescription)") }
    }
}
