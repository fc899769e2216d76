@testable import CAMKit
@testable import FolderRuns
import FileIO
import Foundation
import ImageIO
import Testing
import TestSupport

@Suite("--shard and cam merge", .serialized)
struct ShardTests {
    @Test func parsesExplicitAndArrayIndices() throws {
        #expect(try Shard.parse("2/5", environment: [:]) == Shard(index: 2, count: 5))
        #expect(try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "3"]) == Shard(index: 3, count: 4))
        // A 1-based Slurm array (--array=1-4) still gives 0…3.
        #expect(try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"]) == Shard(index: 3, count: 4))
        #expect(try Shard.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "0"]) == Shard(index: 0, count: 4))
        for bad in ["5/5", "-1/2", "1/0", "auto/3", "1-of-3", "a/b", "1/2/3"] {
            #expect(throws: CAMError.self, "\(bad)") { try Shard.parse(bad, environment: [:]) }
        }
        // Bad array indices name the variable and its value.
        #expect(throws: CAMError.badShard("auto/4", reason: "SLURM_ARRAY_TASK_ID=7 is not a shard index 0…3")) {
            try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "7"])
        }
        #expect(throws: CAMError.badShard("auto/4", reason: "SLURM_ARRAY_TASK_ID=x is not an integer")) {
            try Shard.parse("auto/4", environment: ["SLURM_ARRAY_TASK_ID": "x", "JOB_COMPLETION_INDEX": "1"])
        }
    }

    @Test func everyFileIsInExactlyOneShard() throws {
        // FNV-1a 64 test vectors from its specification: "" and "a".
        #expect(Shard.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        let shards = try (0..<4).map { try Shard(index: $0, count: 4) }
        var sizes = [0, 0, 0, 0]
        for i in 0..<2000 {
            let owners = shards.filter { $0.contains(relative: "photos/\(i).jpg") }
            #expect(owners.count == 1)
            sizes[owners[0].index] += 1
        }
        #expect(sizes.allSatisfy { (400...600).contains($0) }, "balanced: \(sizes)")
    }

    /// In a folder shared by machines, another host's temporaries are a live writer's until
    /// they are old; this host's are cleaned as soon as their writer is gone.
    @Test func staleTemporariesOfOtherHostsWaitForTheirAge() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-tmp-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        let host = AtomicFile.writerTag.drop { $0 != "." }
        // pid 2^22 + 1 is above Linux's pid_max default, so no process has it.
        let deadHere = ".camkit-tmp-4194305\(host)-a-x.png"
        let freshElsewhere = ".camkit-tmp-4194305.otherhost-b-y.png"
        let oldElsewhere = ".camkit-tmp-4194305.otherhost-c-z.png"
        for name in [deadHere, freshElsewhere, oldElsewhere] { try Data([1]).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: dir + "/" + oldElsewhere)
        let removed = try OutputFolder(dir, create: false).removeStaleTemporaries().map { ($0 as NSString).lastPathComponent }.sorted()
        #expect(removed == [deadHere, oldElsewhere].sorted())
        #expect(fm.fileExists(atPath: dir + "/" + freshElsewhere))
    }

    /// Three shards (two sharing a folder) merged into a fourth folder equal one process's run.
    @Test func mergedShardsEqualOneRun() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-shard-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        let repo = Command.repository
        let common = ["Samples/images", "--quiet", "--html", "--save-raw", "--top-k", "2"]
        #expect(try Command.run("cam", ["explain"] + common + ["--out", dir + "/one"], in: repo).status == 0)
        for (k, folder) in [(0, "s0"), (1, "s12"), (2, "s12")] {
            let r = try Command.run("cam", ["explain"] + common + ["--out", dir + "/" + folder, "--shard", "\(k)/3"], in: repo)
            #expect(r.status == 0, "\(r.stderr)")
        }
        // Before every shard is there, merging fails and names what is missing.
        let partial = try Command.run("cam", ["merge", dir + "/s0", "--out", dir + "/partial"], in: repo)
        #expect(partial.status == 2 && partial.stderr.contains("missing shard(s) 1-of-3, 2-of-3"))
        let r = try Command.run("cam", ["merge", dir + "/s0", dir + "/s12", "--out", dir + "/merged", "--html"], in: repo)
        #expect(r.status == 0, "\(r.stderr)")
        let single = try compareExplainingOverlays(dir + "/one", dir + "/merged")
        #expect(single.filter { $0.hasSuffix(".cam.png") }.count == 10)

        // Shards made with other settings, or cut short, are refused with the reason.
        let other = try Command.run("cam", ["explain"] + common + ["--out", dir + "/jet", "--shard", "1/3", "--colormap", "turbo"], in: repo)
        #expect(other.status == 0)
        let mixed = try Command.run("cam", ["merge", dir + "/s0", dir + "/jet", "--out", dir + "/m2"], in: repo)
        #expect(mixed.status == 2 && mixed.stderr.contains("settings.colormap"), "\(mixed.stderr)")
        let results = dir + "/s12/results-2-of-3.jsonl"
        let lines = try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: results, atomically: true, encoding: .utf8)
        let short = try Command.run("cam", ["merge", dir + "/s0", dir + "/s12", "--out", dir + "/m3"], in: repo)
        #expect(short.status == 2 && short.stderr.contains("looks interrupted"), "\(short.stderr)")
    }

    /// `compareFolders`, and when files differ, every differing file and, for an overlay, what
    /// differs in its pixels (decoded with libpng): whether the pixels or only their encoding
    /// changed, and where. (CI once saw one overlay of one photo differ by 4 bytes while its raw
    /// map and the photo's other overlay were identical; this says which stage to look at.)
    func compareExplainingOverlays(_ a: String, _ b: String) throws -> [String] {
        do { return try compareFolders(a, b) } catch let failure as CheckFailure {
            var lines = [failure.description]
            for name in filesUnder(a) {
                guard let x = FileManager.default.contents(atPath: a + "/" + name),
                      let y = FileManager.default.contents(atPath: b + "/" + name), x != y else { continue }
                guard name.hasSuffix(".png"),
                      let p = try? ImageDecoder.decode(bytes: Array(x), path: a + "/" + name),
                      let q = try? ImageDecoder.decode(bytes: Array(y), path: b + "/" + name),
                      p.width == q.width, p.height == q.height else { lines.append("\(name) differs"); continue }
                var count = 0, largest = 0, box = (x0: p.width, y0: p.height, x1: -1, y1: -1)
                for i in 0..<p.pixels.count where p.pixels[i] != q.pixels[i] {
                    count += 1
                    largest = max(largest, abs(Int(p.pixels[i]) - Int(q.pixels[i])))
                    let px = i / 3 % p.width, py = i / 3 / p.width
                    box = (min(box.x0, px), min(box.y0, py), max(box.x1, px), max(box.y1, py))
                }
                lines.append(count == 0 ? "\(name): the same pixels, encoded differently"
                             : "\(name): \(count) samples differ (largest by \(largest)) within x \(box.x0)...\(box.x1), y \(box.y0)...\(box.y1)")
            }
            throw CheckFailure(lines.joined(separator: "; "))
        }
    }
}
