import Foundation
import Testing
import TestSupport

/// Inputs that once crashed a parser (found by Scripts/fuzz) are replayed through the fuzz
/// entry point, so every past crash stays fixed.
@Suite("fuzz regressions")
struct FuzzCorpusTests {
    @Test func pastCrashesStayFixed() throws {
        let folder = Fixtures.path("fuzz/regressions")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
        #expect(!files.isEmpty)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Fixtures.binaries + "/CamFuzz")
        p.arguments = files
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("replayed \(files.count) inputs"))
    }
}
