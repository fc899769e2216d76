import ArgumentParser
@testable import cam
import Foundation
import Testing
import TestSupport

/// The command line parsed in-process: every subcommand's validation, and a snapshot of each
/// `--help` (re-recorded with RECORD_SNAPSHOTS=1, as swift-argument-parser's own tests do).
@Suite("cam parsing and help")
struct ParsingTests {
    static let photo = Command.repository + "/Samples/images/coffee.png"
    static let model = Command.repository + "/Samples/models/efficientnet_lite0.onnx"

    /// (arguments, a text the validation error must contain)
    static let refused: [([String], String)] = [
        (["explain", photo, "--size", "7"], "--size 7 is outside 8...4096"),
        (["explain", photo, "--threshold", "nan"], "--threshold nan is outside"),
        (["explain", photo, "--jobs", "0"], "--jobs 0 is outside 1...256"),
        (["explain", photo, "--max-pixels", "0"], "--max-pixels 0 is outside"),
        (["inspect", photo, "--panel-height", "8"], "--panel-height 8 is outside 16...4096"),
        (["inspect", photo, "--size", "5000"], "--size 5000 is outside 8...4096"),
        (["eval", "photos", "--boxes", "b.csv", "--steps", "0"], "--steps 0 is outside"),
        (["run", model, "--repeat", "0"], "--repeat 0 is outside"),
        (["model", model, "--size", "0"], "--size 0 is outside"),
        (["serve", "--port", "70000"], "--port 70000 is outside 0...65535"),
        (["serve", "--max-inflight", "0"], "--max-inflight 0 is outside"),
        (["serve", "--max-body", "0"], "--max-body 0 is outside"),
        (["serve", "--deadline", "0"], "--deadline 0.0 is outside"),
        (["serve", "--idle-timeout", "nan"], "--idle-timeout nan is outside"),
        (["serve", "--layer", "-1"], "--layer is per request"),
    ]

    /// Shell completions come from the commands' own definitions: each script names every
    /// subcommand and their options (README "Shell completions").
    @Test(arguments: [CompletionShell.bash, .zsh, .fish])
    func completionScriptsNameEverySubcommand(shell: CompletionShell) {
        let script = Cam.completionScript(for: shell)
        for word in ["explain", "inspect", "eval", "merge", "run", "model", "serve", "method", "max-inflight", "colormap"] {
            #expect(script.contains(word), "\(shell) completion lacks \(word)")
        }
    }

    /// The man page comes from the same definitions through swift-argument-parser's
    /// generate-manual (Scripts/test builds it into .build-tools): every subcommand and a few
    /// options are in it, and groff renders it without a warning (README "Man page").
    @Test func manPageIsGeneratedAndRendersCleanly() throws {
        let generator = Command.repository + "/.build-tools/release/generate-manual"
        try #require(FileManager.default.isExecutableFile(atPath: generator), "\(generator) is missing: Scripts/test builds it")
        let out = try temporaryFolder("man")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let generated = try Self.run(generator, [try Fixtures.binary("cam"), "--date", "2026-12-01", "-o", out])
        #expect(generated.status == 0, "\(generated.stderr)")
        let page = try String(contentsOfFile: out + "/cam.1", encoding: .utf8)
        #expect(page.contains(".Dt CAM 1"))
        for command in Cam.configuration.subcommands.map({ $0.configuration.commandName ?? "" }) {
            #expect(page.contains(".It Em \(command)"), "the man page lacks \(command)")
        }
        for option in ["-format", "-write-sidecar", "-max-inflight", "-shard"] { #expect(page.contains("Fl \(option)"), "lacks \(option)") }
        let rendered = try Self.run("/usr/bin/groff", ["-mandoc", "-Tutf8", "-ww", "-z", out + "/cam.1"])
        #expect(rendered.status == 0 && rendered.stderr.isEmpty, "groff: \(rendered.stderr)")
    }

    static func run(_ executable: String, _ args: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: refused)
    func validationRefuses(args: [String], message: String) {
        #expect(throws: (any Error).self) { _ = try Cam.parseAsRoot(args) }
        do { _ = try Cam.parseAsRoot(args) } catch {
            #expect(Cam.fullMessage(for: error).contains(message), "\(args): \(Cam.fullMessage(for: error))")
            #expect(Cam.exitCode(for: error) != .success)
        }
    }

    @Test func goodValuesParse() throws {
        let parsed = try Cam.parseAsRoot(["explain", Self.photo, "--size", "8", "--threshold", "1", "--alpha", "0", "--top-k", "3"])
        let explain = try #require(parsed as? Explain)
        #expect(explain.modelOptions.size == 8 && explain.threshold == 1 && explain.alpha == 0 && explain.topK == 3)
        #expect(try Cam.parseAsRoot(["inspect", Self.photo, "--labels", "l.txt", "--resize", "crop"]) is Inspect)
    }

    @Test func dashWordsAreRefusedWithAHint() {
        #expect(DashArguments.problem(in: ["explain", "-dash.jpg"])?.contains("./-dash.jpg") == true)
        #expect(DashArguments.problem(in: ["explain", "--", "-dash.jpg"]) == nil)
        #expect(DashArguments.problem(in: ["explain", "x.jpg", "--alpha", "-0.5"]) == nil)
        #expect(DashArguments.problem(in: ["explain", "x.jpg", "--layer", "-3,-2"]) == nil)
        #expect(DashArguments.problem(in: ["explain", "-3,x.jpg"]) != nil)
        #expect(DashArguments.problem(in: ["explain", "-h"]) == nil)
    }

    static let commands: [(String, ParsableCommand.Type)] = [
        ("cam", Cam.self), ("explain", Explain.self), ("inspect", Inspect.self), ("eval", Evaluate.self),
        ("merge", Merge.self), ("run", RunModel.self), ("model", ModelInfo.self), ("serve", Serve.self),
    ]

    @Test func helpSnapshots() throws {
        try #require(Self.commands.count == 8)
        for (name, command) in Self.commands {
            let help = Cam.helpMessage(for: command, columns: 100) + "\n"
            let path = Fixtures.path("help/\(name).txt")
            if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil {
                try help.write(toFile: path, atomically: true, encoding: .utf8)
                continue
            }
            let recorded = try String(contentsOfFile: path, encoding: .utf8)
            #expect(help == recorded, "cam \(name) --help changed: rerun with RECORD_SNAPSHOTS=1 if intended")
        }
    }
}
