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
        let r = try Command.run("CamFuzz", files)
        let text = r.stdout
        #expect(r.status == 0)
        #expect(text.contains("replayed \(files.count) inputs"))
    }
}
