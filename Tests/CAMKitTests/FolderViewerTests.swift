import Foundation
import ImageIO
import Inference
import Testing
import TestSupport

/// `cam explain --html --save-raw` writes the folder viewer: index.html with the run's records,
/// and per photo a `<input>.cam.js` with the photo's own bytes, its geometry and the normalised
/// maps the overlays were drawn from. (Scripts/test-web opens it in Chromium and compares its
/// drawings with the overlay files; these tests check the data it draws from.)
@Suite("folder viewer data", .serialized)
struct FolderViewerTests {
    static let repo = Command.repository

    /// The argument of camPhoto(...) in a viewer data file.
    static func photoData(_ path: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("camPhoto(") && text.hasSuffix(");\n"))
        let json = text.dropFirst("camPhoto(".count).dropLast(");\n".count)
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    /// The JSON object in index.html's <script id="run">.
    static func runData(_ page: String) throws -> [String: Any] {
        let start = try #require(page.range(of: "<script id=\"run\" type=\"application/json\">"))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        return try #require(try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
    }

    static func floats(base64: String) throws -> [Float] {
        let data = try #require(Data(base64Encoded: base64))
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    @Test func viewerDataHoldsThePhotoTheMapsAndTheRecords() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-viewer-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        let input = dir + "/in", out = dir + "/out"
        try fm.createDirectory(atPath: input, withIntermediateDirectories: true)
        // A name that would end the page's <script> element if it were written as it is.
        let odd = "a<!--<script>b.png"
        for (from, to) in [("chelsea.png", "chelsea.png"), ("rocket.jpg", "rocket.jpg"), ("coffee.png", odd)] {
            try fm.copyItem(atPath: Self.repo + "/Samples/images/" + from, toPath: input + "/" + to)
        }
        let r = try Command.run("cam", ["explain", input, "--html", "--save-raw", "--top-k", "2", "--out", out, "--quiet"], in: Self.repo)
        #expect(r.status == 0, "\(r.stderr)")

        let page = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(page.components(separatedBy: "</script>").count == 4, "three script elements (run data, overlay.js, the page's)")
        let run = try Self.runData(page)
        let records = try #require(run["records"] as? [[String: Any]])
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(records.count == 3 && lines.count == 3)
        for (record, line) in zip(records, lines) {
            let logged = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary)
            #expect(NSDictionary(dictionary: record) == logged, "the page's record is results.jsonl's")
        }
        let look = try #require(run["look"] as? [String: Any])
        #expect(look["colormap"] as? String == "jet" && look["alpha"] as? Double == 0.5 && look["boxes"] as? Bool == false)
        #expect((run["colormaps"] as? [String: [Int]])?["jet"]?.count == 768)

        for record in records {
            let name = try #require(record["input"] as? String), view = try #require(record["view"] as? String)
            #expect(view == name + ".cam.js")
            let data = try Self.photoData(out + "/" + view)
            #expect(data["input"] as? String == name)
            let base64 = try #require(data["photo"] as? String)
            let photo = [UInt8](try #require(Data(base64Encoded: base64)))
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input + "/" + name)))
            let decoded = try ImageDecoder.decode(bytes: file, path: name)
            if name.hasSuffix(".jpg") {
                #expect(photo == file, "a JPEG's own bytes")
            } else {
                let redecoded = try ImageDecoder.decode(bytes: photo, path: name)
                #expect(ImageFormat.sniff(photo) == .png && redecoded == decoded, "any other photo as the pixels camkit decoded, in a PNG")
            }
            // FNV-1a of camkit's pixels, which the page compares with its own decoding's.
            var hash: UInt32 = 2_166_136_261
            for b in decoded.pixels { hash = (hash ^ UInt32(b)) &* 16_777_619 }
            #expect(data["rgbHash"] as? UInt32 == hash)
            let g = try #require(data["geometry"] as? [String: Any]).compactMapValues { $0 as? Int }
            let modelInput = try #require(record["model_input"] as? [String: Any])
            #expect(g["photoWidth"] == record["width"] as? Int && g["photoHeight"] == record["height"] as? Int)
            #expect(g["inputWidth"] == modelInput["width"] as? Int && g["inputHeight"] == modelInput["height"] as? Int)
            let explained = try #require(record["explained"] as? [[String: Any]])
            let maps = try #require(data["maps"] as? [[String: Any]])
            #expect(maps.map { $0["index"] as? Int } == explained.map { $0["index"] as? Int })
            for (map, e) in zip(maps, explained) {
                // The normalised map is ReLU then min–max of the saved raw map, computed here again.
                let rawName = try #require(e["raw"] as? String)
                let raw = try NPYFile.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/" + rawName))))
                #expect(raw.shape == [map["height"] as? Int ?? -1, map["width"] as? Int ?? -1])
                let relu = try raw.floats().map { max($0, 0) }
                let lo = relu.min()!, hi = relu.max()!
                let expected = relu.map { ($0 - lo) / (hi - lo) }
                let normalized = try #require(map["normalized"] as? String)
                #expect(try Self.floats(base64: normalized) == expected)
            }
        }
    }

    /// Without --save-raw, index.html stays the static gallery of overlay files, and no viewer
    /// data is written; --save-raw without --html writes none either.
    @Test func viewerOnlyWithHtmlAndSaveRaw() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-viewer-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        for (folder, flags) in [("html", ["--html"]), ("raw", ["--save-raw"])] {
            let r = try Command.run("cam", ["explain", "Samples/images/chelsea.png", "--out", dir + "/" + folder, "--quiet"] + flags, in: Self.repo)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!filesUnder(dir + "/" + folder).contains { $0.hasSuffix(".cam.js") })
            #expect(!(try String(contentsOfFile: dir + "/" + folder + "/results.jsonl", encoding: .utf8)).contains("\"view\""))
        }
        let page = try String(contentsOfFile: dir + "/html/index.html", encoding: .utf8)
        #expect(page.contains("<img loading=\"lazy\"") && !page.contains("id=\"run\""))
    }

    /// cam merge copies a shard's viewer data only when it is camkit's own data for that photo
    /// (the merged page runs it as a script), and refuses shards with and without viewer data.
    @Test func mergeTakesOnlyCamkitsViewerData() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("camkit-viewer-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: dir) }
        let common = ["explain", "Samples/images", "--quiet", "--save-raw"]
        func shard(_ k: Int, _ folder: String, html: Bool = true) throws {
            let r = try Command.run("cam", common + (html ? ["--html"] : []) + ["--shard", "\(k)/2", "--out", dir + "/" + folder], in: Self.repo)
            #expect(r.status == 0, "\(r.stderr)")
        }
        try shard(0, "a"); try shard(1, "b")
        let merged = try Command.run("cam", ["merge", dir + "/a", dir + "/b", "--out", dir + "/m", "--html"], in: Self.repo)
        #expect(merged.status == 0, "\(merged.stderr)")
        // A script planted in a shard's data file (still ending in a camPhoto call) is refused.
        let planted = try #require(filesUnder(dir + "/b").first { $0.hasSuffix(".cam.js") })
        let honest = try String(contentsOfFile: dir + "/b/" + planted, encoding: .utf8)
        try ("alert(document.cookie);" + honest).write(toFile: dir + "/b/" + planted, atomically: true, encoding: .utf8)
        let refused = try Command.run("cam", ["merge", dir + "/a", dir + "/b", "--out", dir + "/m2", "--html"], in: Self.repo)
        #expect(refused.status == 2 && refused.stderr.contains("not camkit's viewer data"), "\(refused.stderr)")
        #expect(!fm.fileExists(atPath: dir + "/m2/index.html"))
        // Shards that share the output folder keep their files, but their data is checked too.
        try shard(0, "s"); try shard(1, "s")
        let inPlace = try Command.run("cam", ["merge", dir + "/s", "--html"], in: Self.repo)
        let page = try String(contentsOfFile: dir + "/s/index.html", encoding: .utf8)
        #expect(inPlace.status == 0 && page.contains("id=\"run\""), "\(inPlace.stderr)")
        try ("alert(1);" + honest).write(toFile: dir + "/s/" + planted, atomically: true, encoding: .utf8)
        let refusedInPlace = try Command.run("cam", ["merge", dir + "/s", "--html"], in: Self.repo)
        #expect(refusedInPlace.status == 2 && refusedInPlace.stderr.contains("not camkit's viewer data"), "\(refusedInPlace.stderr)")
        // Shards with and without --html --save-raw do not make a page missing photos.
        try shard(1, "c", html: false)
        let mixed = try Command.run("cam", ["merge", dir + "/a", dir + "/c", "--out", dir + "/m3", "--html"], in: Self.repo)
        #expect(mixed.status == 2 && mixed.stderr.contains("no folder-viewer data"), "\(mixed.stderr)")
    }
}
