import Foundation
import ImageIO
import Testing
import TestSupport

/// The sample run (`cam explain Samples/images`, the README's first command) against a recorded
/// golden copy: every record field, every CSV cell, the manifest, and each overlay's pixels on a
/// 16×16 grid of cell means. Refactors must leave it unchanged. Exact where the value does not
/// depend on floating-point rounding (labels, classes, file names, sizes, boxes, settings);
/// within measured bounds where it does (probabilities, logits, mass in box, overlay pixels),
/// because the CPU paths (CAMKIT_ISA) round differently. Re-record with RECORD_GOLDEN=1.
@Suite("golden sample run", .serialized)
struct GoldenRunTests {
    static let goldenPath = "golden/samples.json"

    struct Run {
        var records: [Any] = []
        var csv: [[String]] = []
        var manifest: [String: Any] = [:]
        /// File name → [width, height, 768 cell means ×10, rounded].
        var overlays: [String: [Int]] = [:]

        var json: [String: Any] { ["records": records, "csv": csv, "manifest": manifest, "overlays": overlays] }
    }

    static func sampleRun(environment: [String: String] = [:]) throws -> Run {
        let dir = try temporaryFolder("golden")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Command.run("cam", ["explain", "Samples/images", "--out", dir, "--quiet"], in: Command.repository, environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        var run = Run()
        let lines = try String(contentsOfFile: dir + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        run.records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
        run.csv = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        run.manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as! [String: Any]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() where file.hasSuffix(".png") {
            let image = try ImageDecoder.decode(path: dir + "/" + file)
            run.overlays[file] = [image.width, image.height] + cellMeans(image)
        }
        return run
    }

    /// Mean of each channel over each cell of a 16×16 grid, ×10 and rounded.
    static func cellMeans(_ image: RGBImage) -> [Int] {
        var sums = [Double](repeating: 0, count: 16 * 16 * 3), counts = [Double](repeating: 0, count: 16 * 16)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let cell = (y * 16 / image.height) * 16 + x * 16 / image.width
                for c in 0..<3 { sums[cell * 3 + c] += Double(image.pixels[(y * image.width + x) * 3 + c]) }
                counts[cell] += 1
            }
        }
        return sums.indices.map { Int((sums[$0] / max(counts[$0 / 3], 1) * 10).rounded()) }
    }

    /// Walks two JSON values; numbers that are not integers compare within `tolerance` relative.
    static func compare(_ a: Any, _ b: Any, path: String, tolerance: Double, into problems: inout [String]) {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            if Set(x.keys) != Set(y.keys) { problems.append("\(path): keys \(x.keys.sorted()) vs \(y.keys.sorted())"); return }
            for k in x.keys.sorted() { compare(x[k]!, y[k]!, path: path + "." + k, tolerance: tolerance, into: &problems) }
        case let (x as [Any], y as [Any]):
            if x.count != y.count { problems.append("\(path): \(x.count) vs \(y.count) items"); return }
            for i in x.indices { compare(x[i], y[i], path: "\(path)[\(i)]", tolerance: tolerance, into: &problems) }
        case let (x as NSNumber, y as NSNumber):
            let u = x.doubleValue, v = y.doubleValue
            if u.rounded() == u && v.rounded() == v && abs(u) > 1 {
                if u != v { problems.append("\(path): \(u) vs \(v)") }
            } else if abs(u - v) > tolerance * max(abs(u), abs(v), 1e-3) {
                problems.append("\(path): \(u) vs \(v)")
            }
        case let (x as String, y as String):
            if x != y {
                // CSV cells holding numbers compare as numbers.
                if let u = Double(x), let v = Double(y), abs(u - v) <= tolerance * max(abs(u), abs(v), 1e-3) { return }
                problems.append("\(path): '\(x)' vs '\(y)'")
            }
        case (is NSNull, is NSNull):
            break
        default:
            problems.append("\(path): \(a) vs \(b)")
        }
    }

    @Test func sampleRunMatchesTheGoldenCopy() throws {
        let run = try Self.sampleRun()
        let path = Fixtures.path(Self.goldenPath)
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] != nil {
            let data = try JSONSerialization.data(withJSONObject: run.json, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: path))
        }
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var problems: [String] = []
        // Measured worst relative difference between the avx512, avx2 and generic paths: 3.0e-6
        // (a probability); bound 1e-4 on probabilities, logits and mass in box (33×).
        for key in ["records", "csv", "manifest"] {
            Self.compare(run.json[key]!, golden[key]!, path: key, tolerance: 1e-4, into: &problems)
        }
        let overlays = golden["overlays"] as! [String: [Int]]
        #expect(Set(overlays.keys) == Set(run.overlays.keys), "overlay files differ")
        for (file, cells) in run.overlays {
            guard let recorded = overlays[file], recorded.count == cells.count else { continue }
            #expect(Array(cells.prefix(2)) == Array(recorded.prefix(2)), "\(file) size")
            // Cell means ×10: a bound of 5 is half a grey level on average over a cell.
            let worst = zip(cells.dropFirst(2), recorded.dropFirst(2)).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 5, "\(file): a cell mean moved by \(Double(worst) / 10) levels")
        }
        #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
    }
}
