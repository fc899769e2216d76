import Foundation
import Testing
import TestSupport

/// The minimised libFuzzer corpora (Tests/Fixtures/fuzz/<target>, from Scripts/fuzz) and every
/// input that once crashed a parser (regressions/) are replayed through the fuzz entry point, so
/// every past crash stays fixed.
@Suite("fuzz corpora")
struct FuzzCorpusTests {
    static let targets = ["png", "jpeg", "onnx", "npy", "sidecar", "annotations", "regressions"]

    @Test("corpus replays without a crash", arguments: targets)
    func replay(target: String) throws {
        let folder = Fixtures.path("fuzz/" + target)
        let names = try requireCount(try FileManager.default.contentsOfDirectory(atPath: folder), atLeast: 2, "corpus \(target)")
        let files = names.sorted().map { folder + "/" + $0 }
        let r = try Command.run("CamFuzz", files, environment: ["CAMFUZZ_TARGET": target == "regressions" ? "all" : target])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("replayed \(files.count) inputs"))
    }
}
