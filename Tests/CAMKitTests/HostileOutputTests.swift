import FileIO
import Foundation
import ImageIO
import Inference
import Testing
import TestSupport

/// SECURITY.md's "nothing is written outside --out" and "outputs are unique per input", tried
/// as a hostile user would: links, FIFOs and hard links planted in the output folder, inputs
/// that share names, an output folder that is also the input.
@Suite("hostile users: writes and collisions", .serialized)
struct HostileOutputTests {
    static let samples = Command.repository + "/Samples/images"

    static func cam(_ args: [String]) throws -> Command.Result { try Command.run("cam", args) }

    static func temporary(_ tag: String) throws -> String { try temporaryFolder(tag) }

    static func photo(_ name: String, to path: String) throws {
        try FileManager.default.copyItem(atPath: samples + "/" + name, toPath: path)
    }

    /// Folders `dir/<root>`, each holding the sample `photo` under `name(root)`.
    static func roots(_ list: [(root: String, photo: String)], in dir: String, name: (String) -> String) throws {
        for (root, photo) in list {
            try FileManager.default.createDirectory(atPath: dir + "/" + root, withIntermediateDirectories: true)
            try Self.photo(photo, to: dir + "/" + root + "/" + name(root))
        }
    }

    static func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func records(_ out: String, _ name: String = "results.jsonl") throws -> [[String: Any]] {
        try #require(text(out + "/" + name)).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Every report name, and an overlay name, planted as a symlink (to a file outside, and
    /// dangling), a hard link to a file outside, and a FIFO: the run replaces each entry, and
    /// nothing outside changes.
    @Test(arguments: ["symlink", "dangling", "hardlink", "fifo"])
    func plantedEntriesDoNotRedirectWrites(kind: String) throws {
        let dir = try Self.temporary("plant")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in", out = dir + "/out", outside = dir + "/outside"
        for d in [input, out, outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try Self.photo("coffee.png", to: input + "/coffee.png")
        let names = ["results.jsonl", "results.csv", "manifest.json", "index.html", "coffee.png.967-espresso.cam.png",
                     "coffee.png.967-espresso.cam.npy", "coffee.png.cam.js"]
        for (i, name) in names.enumerated() {
            let target = outside + "/victim\(i)"
            try "precious \(i)\n".write(toFile: target, atomically: false, encoding: .utf8)
            let planted = out + "/" + name
            switch kind {
            case "symlink": try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: target)
            case "dangling": try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: outside + "/new\(i)")
            case "hardlink": #expect(link(target, planted) == 0)
            default: #expect(mkfifo(planted, 0o644) == 0)
            }
        }
        let run = try Self.cam(["explain", input, "--out", out, "--quiet", "--html", "--save-raw"])
        #expect(run.status == 0, "\(run.stderr)")
        for (i, name) in names.enumerated() {
            #expect(Self.text(outside + "/victim\(i)") == "precious \(i)\n", "\(kind) at \(name) was written through")
            #expect(!FileManager.default.fileExists(atPath: outside + "/new\(i)"), "\(kind) at \(name) created a file outside")
            #expect(Self.isRegularFile(out + "/" + name), "\(name) is a regular file of the run")
        }
        #expect(try Self.records(out).count == 1)
    }

    /// A symlink where a sub-folder of the output goes is refused with an error naming it;
    /// nothing is created behind it, and the other photos go on.
    @Test func symlinkedSubfolderIsRefusedAndTheRunGoesOn() throws {
        let dir = try Self.temporary("subdir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in", out = dir + "/out", outside = dir + "/outside"
        for d in [input + "/sub/deeper", out, outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try Self.photo("coffee.png", to: input + "/sub/deeper/a.png")
        try Self.photo("chelsea.png", to: input + "/b.png")
        try FileManager.default.createSymbolicLink(atPath: out + "/sub", withDestinationPath: outside)
        let run = try Self.cam(["explain", input, "--recursive", "--out", out, "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr.contains(out + "/sub is a symlink"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty, "no folder made behind the link")
        let status = try Dictionary(uniqueKeysWithValues: Self.records(out).map { ($0["input"] as! String, $0["status"] as! String) })
        #expect(status == ["b.png": "ok", "sub/deeper/a.png": "error"])
    }

    /// The sweep of stale temporaries does not walk through a symlinked folder.
    @Test func staleTemporarySweepStaysInside() throws {
        let dir = try Self.temporary("sweep")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out", outside = dir + "/outside"
        for d in [out, outside] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let host = AtomicFile.writerTag.drop { $0 != "." }
        let dead = ".camkit-tmp-4194305\(host)-a-x.png"  // pid above pid_max: its writer is gone
        for d in [out, outside] { try "x".write(toFile: d + "/" + dead, atomically: false, encoding: .utf8) }
        try FileManager.default.createSymbolicLink(atPath: out + "/link", withDestinationPath: outside)
        let removed = try OutputFolder(out, create: false).removeStaleTemporaries()
        #expect(removed == [out + "/" + dead])
        #expect(FileManager.default.fileExists(atPath: outside + "/" + dead), "the file behind the link is not touched")
    }

    /// Paths with `..` or absolute paths never leave the folder.
    @Test(arguments: ["../x", "a/../../x", "/etc/x", "", "a//b", "./x"])
    func relativePathsStayInside(name: String) throws {
        let dir = try Self.temporary("rel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let folder = try OutputFolder(dir + "/out")
        #expect(throws: FileError.self) { try folder.write([1, 2, 3], to: name) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
    }

    /// Two folders holding the same names: each root's files go under the root's name, every
    /// record and overlay is distinct, and `--jobs` changes nothing.
    @Test func twoRootsWithTheSameNamesDoNotCollide() throws {
        let dir = try Self.temporary("roots")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.roots([("x", "chelsea.png"), ("y", "coffee.png")], in: dir) { _ in "a.png" }
        for jobs in ["1", "2"] {
            let run = try Self.cam(["explain", dir + "/x", dir + "/y", "--out", dir + "/out" + jobs, "--quiet", "--jobs", jobs])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let inputs = try Self.records(dir + "/out1").map { $0["input"] as! String }
        #expect(inputs == ["x/a.png", "y/a.png"])
        for name in ["x/a.png.285-egyptian-cat.cam.png", "y/a.png.967-espresso.cam.png", "results.jsonl", "results.csv"] {
            #expect(FileManager.default.contentsEqual(atPath: dir + "/out1/" + name, andPath: dir + "/out2/" + name), "\(name)")
        }
    }

    /// Two given files with one name cannot both keep it: refused before anything is explained,
    /// naming both.
    @Test func clashingFileNamesAreRefused() throws {
        let dir = try Self.temporary("clash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.roots([("x", "coffee.png"), ("y", "coffee.png")], in: dir) { _ in "a.png" }
        let run = try Self.cam(["explain", dir + "/x/a.png", dir + "/y/a.png", "--out", dir + "/out", "--quiet"])
        #expect(run.status == 2)
        #expect(run.stderr.contains(dir + "/x/a.png and " + dir + "/y/a.png would share the output name a.png"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/results.jsonl"))
    }

    /// `--out` equal to the input folder: reruns work and never take the reports as inputs.
    @Test func outputFolderThatIsTheInputCanBeRerun() throws {
        let dir = try Self.temporary("same")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.photo("coffee.png", to: dir + "/coffee.png")
        try Self.photo("rocket.jpg", to: dir + "/rocket.jpg")
        for _ in 0..<2 {
            let run = try Self.cam(["explain", dir, "--out", dir, "--quiet", "--html", "--save-raw"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try Self.records(dir).map { $0["input"] as! String } == ["coffee.png", "rocket.jpg"])
        }
    }

    /// `cam inspect --grid` naming the photo itself is refused; the photo is unchanged.
    @Test func inspectGridNeverOverwritesThePhoto() throws {
        let dir = try Self.temporary("grid")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.photo("coffee.png", to: dir + "/coffee.png")
        try FileManager.default.createSymbolicLink(atPath: dir + "/alias.png", withDestinationPath: dir + "/coffee.png")
        for grid in [dir + "/coffee.png", dir + "/alias.png", dir + "/../" + (dir as NSString).lastPathComponent + "/coffee.png"] {
            let run = try Self.cam(["inspect", dir + "/coffee.png", "--grid", grid, "--top-k", "1"])
            #expect(run.status == 2 && run.stderr.contains("refusing to overwrite the input"), "\(run.stderr)")
        }
        #expect(FileManager.default.contentsEqual(atPath: dir + "/coffee.png", andPath: Self.samples + "/coffee.png"))
    }

    /// Shards run on different input folders are refused by `cam merge`, which names the setting.
    @Test func mergeRefusesShardsOfDifferentInputs() throws {
        let dir = try Self.temporary("mergeroots")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.roots([("x", "coffee.png"), ("y", "coffee.png")], in: dir) { "\($0).png" }
        #expect(try Self.cam(["explain", dir + "/x", "--shard", "0/2", "--out", dir + "/out", "--quiet"]).status == 0)
        #expect(try Self.cam(["explain", dir + "/y", "--shard", "1/2", "--out", dir + "/out", "--quiet"]).status == 0)
        let merge = try Self.cam(["merge", dir + "/out"])
        #expect(merge.status == 2)
        #expect(merge.stderr.contains("differs from shard 0-of-2 in roots"), "\(merge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/results.jsonl"))
    }

    /// `cam merge`, `cam eval` and `cam run` write through the same folder type: links planted
    /// at their outputs' names are replaced, and the files they pointed at are untouched.
    @Test func otherCommandsReplacePlantedLinks() throws {
        let dir = try Self.temporary("others")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = dir + "/victim"
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        func plant(_ folder: String, _ names: [String]) throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for name in names { try FileManager.default.createSymbolicLink(atPath: folder + "/" + name, withDestinationPath: victim) }
        }
        for k in 0..<2 {
            #expect(try Self.cam(["explain", Self.samples, "--shard", "\(k)/2", "--out", dir + "/shard\(k)", "--quiet"]).status == 0)
        }
        try plant(dir + "/merged", ["results.jsonl", "manifest.json", "index.html", "chelsea.png.285-egyptian-cat.cam.png"])
        let merge = try Self.cam(["merge", dir + "/shard0", dir + "/shard1", "--out", dir + "/merged", "--html"])
        #expect(merge.status == 0, "\(merge.stderr)")

        try plant(dir + "/eval", ["eval.json", "localisation.png", "chelsea.png.eval.png"])
        let eval = try Self.cam(["eval", Self.samples, "--boxes", Command.repository + "/Samples/localisation/boxes.csv",
                                 "--out", dir + "/eval", "--quiet"])
        #expect(eval.status == 0, "\(eval.stderr)")

        try Data(NPYFile.encode(Tensor(shape: [1, 3, 32, 32], data: [Float](repeating: 0, count: 3072))))
            .write(to: URL(fileURLWithPath: dir + "/x.npy"))
        try plant(dir + "/run", ["logits.npy"])
        let run = try Self.cam(["run", Command.repository + "/Samples/models/efficientnet_lite0.onnx", "--input", dir + "/x.npy", "--out", dir + "/run"])
        #expect(run.status == 0, "\(run.stderr)")

        #expect(Self.text(victim) == "precious\n")
        for path in ["merged/results.jsonl", "merged/manifest.json", "merged/index.html", "merged/chelsea.png.285-egyptian-cat.cam.png",
                     "eval/eval.json", "eval/localisation.png", "eval/chelsea.png.eval.png", "run/logits.npy"] {
            #expect(Self.isRegularFile(dir + "/" + path), "\(path) is the command's own file")
        }
    }

    /// A report or raw map that cannot be written is named as a file (not an image) with its cause.
    @Test func unwritableReportsAndRawMapsNameTheFile() throws {
        let dir = try Self.temporary("unwritable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a/results.jsonl", withIntermediateDirectories: true)
        let log = try Self.cam(["explain", Self.samples + "/coffee.png", "--out", dir + "/a", "--quiet"])
        #expect(log.status == 2)
        #expect(log.stderr.contains(dir + "/a/results.jsonl: cannot write file (Is a directory)"), "\(log.stderr)")
        try FileManager.default.createDirectory(atPath: dir + "/b/coffee.png.967-espresso.cam.npy", withIntermediateDirectories: true)
        let raw = try Self.cam(["explain", Self.samples + "/coffee.png", "--out", dir + "/b", "--quiet", "--save-raw"])
        #expect(raw.status == 1)
        #expect(raw.stderr.contains(dir + "/b/coffee.png.967-espresso.cam.npy: cannot write file (Is a directory)"), "\(raw.stderr)")
    }
}
