import FileIO
import Foundation
import ImageIO
import Testing
import TestSupport

/// What `cam explain` draws, checked pixel by pixel against the photo and the colormap reference
/// (Tests/Fixtures/colormaps/reference.json, from matplotlib/OpenCV), by running the binary:
/// --alpha 0 gives the photo, --alpha 1 only reference colours, --alpha 0.5 their rounded mean,
/// --threshold leaves low values uncoloured, --boxes outlines exactly the reported box, and
/// --class picks the class by index or label.
@Suite("cam explain overlays", .serialized)
struct OverlayCommandTests {
    static let photo = "Samples/images/chelsea.png"

    struct Run { let overlay: RGBImage; let record: [String: Any] }

    /// Runs cam explain on the photo with `args`; returns its one overlay and record.
    static func explain(_ args: [String]) throws -> Run {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-overlay-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try Command.run("cam", ["explain", photo, "--out", out, "--quiet", "--colormap", "jet"] + args, in: Command.repository)
        guard r.status == 0 else { throw CheckFailure("cam explain \(args): status \(r.status): \(r.stderr)") }
        let overlays = try requireCount(filesUnder(out).filter { $0.hasSuffix(".cam.png") }, atLeast: 1, "overlays")
        guard overlays.count == 1 else { throw CheckFailure("overlays: \(overlays)") }
        let line = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        let record = try JSONSerialization.jsonObject(with: Data(try #require(line.first).utf8)) as! [String: Any]
        return Run(overlay: try ImageDecoder.decode(path: out + "/" + overlays[0]), record: record)
    }

    static func explained(_ run: Run) throws -> [String: Any] {
        try #require((run.record["explained"] as? [[String: Any]])?.first)
    }

    /// The jet reference, colour → level.
    static func jet() throws -> [[UInt8]: Int] {
        let ref = try Fixtures.json("colormaps/reference.json")["maps"] as! [String: [[Int]]]
        let jet = try requireCount(try #require(ref["jet"]), atLeast: 256, "jet levels")
        var levels: [[UInt8]: Int] = [:]
        for (i, c) in jet.enumerated() { levels[c.map { UInt8($0) }] = i }
        return levels
    }

    @Test func alphaZeroOneAndHalf() throws {
        let photo = try ImageDecoder.decode(path: Command.repository + "/" + Self.photo)
        let clear = try Self.explain(["--alpha", "0"]).overlay
        #expect(clear.width == photo.width && clear.height == photo.height && clear.pixels == photo.pixels, "--alpha 0 is not the photo")
        let heat = try Self.explain(["--alpha", "1"]).overlay
        let levels = try Self.jet()
        var foreign = 0
        for i in stride(from: 0, to: heat.pixels.count, by: 3) where levels[Array(heat.pixels[i..<(i + 3)])] == nil { foreign += 1 }
        #expect(foreign == 0, "\(foreign) pixels of --alpha 1 are not jet colours")
        let half = try Self.explain(["--alpha", "0.5"]).overlay
        var off = 0
        for i in half.pixels.indices where Int(half.pixels[i]) != (Int(photo.pixels[i]) + Int(heat.pixels[i]) + 1) / 2 { off += 1 }
        #expect(off == 0, "\(off) samples of --alpha 0.5 are not the rounded mean of photo and colour")
    }

    @Test func thresholdLeavesLowValuesUncoloured() throws {
        let photo = try ImageDecoder.decode(path: Command.repository + "/" + Self.photo)
        let heat = try Self.explain(["--alpha", "1"]).overlay
        let cut = try Self.explain(["--alpha", "1", "--threshold", "0.5"]).overlay
        let levels = try Self.jet()
        var wrong = 0, kept = 0, coloured = 0
        for i in stride(from: 0, to: heat.pixels.count, by: 3) {
            let level = try #require(levels[Array(heat.pixels[i..<(i + 3)])])
            let got = Array(cut.pixels[i..<(i + 3)])
            if level <= 126 { kept += 1; if got != Array(photo.pixels[i..<(i + 3)]) { wrong += 1 } }
            if level >= 129 { coloured += 1; if got != Array(heat.pixels[i..<(i + 3)]) { wrong += 1 } }
        }
        #expect(wrong == 0 && kept > 1000 && coloured > 1000, "wrong \(wrong), below \(kept), above \(coloured)")
    }

    @Test func boxesOutlineTheReportedBox() throws {
        let plain = try Self.explain(["--alpha", "0.5"])
        let boxed = try Self.explain(["--alpha", "0.5", "--boxes"])
        let box = try #require(try Self.explained(boxed)["box"] as? [Int])
        #expect(try Self.explained(plain)["box"] as? [Int] == box)
        let w = boxed.overlay.width
        func onOutline(_ x: Int, _ y: Int) -> Bool {
            let inside = x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]
            return inside && (x - box[0] < 2 || box[2] - x < 2 || y - box[1] < 2 || box[3] - y < 2)
        }
        var outline = 0, wrong = 0
        for y in 0..<boxed.overlay.height {
            for x in 0..<w {
                let i = (y * w + x) * 3
                let got = Array(boxed.overlay.pixels[i..<(i + 3)])
                if onOutline(x, y) { outline += 1; if got != [255, 255, 255] { wrong += 1 } }
                else if got != Array(plain.overlay.pixels[i..<(i + 3)]) { wrong += 1 }
            }
        }
        #expect(wrong == 0 && outline >= 4 * 2 * 20, "box \(box): \(wrong) wrong pixels, outline \(outline)")
    }

    @Test func classByIndexOrLabel() throws {
        let top = try Self.explain([])
        let topClass = try #require(try Self.explained(top)["index"] as? Int)
        let other = topClass == 281 ? 282 : 281
        let byIndex = try Self.explain(["--class", String(other)])
        let entry = try Self.explained(byIndex)
        #expect(entry["index"] as? Int == other)
        let label = try #require(entry["label"] as? String)
        #expect((entry["overlay"] as? String)?.contains("\(other)-") == true)
        let byLabel = try Self.explain(["--class", label])
        #expect(try Self.explained(byLabel)["index"] as? Int == other)
        #expect(byLabel.overlay.pixels == byIndex.overlay.pixels)
        #expect(byIndex.overlay.pixels != top.overlay.pixels, "--class \(other) drew the top class's map")
    }
}

/// `--format jpg|webp`: the overlay is the PNG overlay's pixels encoded by the same encoder the
/// Pillow tests check (Tests/ImageIOTests/OverlayEncoderTests), named .cam.<format> in
/// results.jsonl, skipped as input, kept by --skip-existing only at the same format and quality.
@Suite("cam explain --format", .serialized)
struct OverlayFormatCommandTests {
    static let photo = "Samples/images/chelsea.png", stem = "chelsea.png.285-egyptian-cat.cam"

    static func cam(_ args: [String]) throws -> Command.Result { try Command.run("cam", args, in: Command.repository) }

    @Test func lossyFormatsEncodeThePNGOverlaysPixels() throws {
        let out = try temporaryFolder("formats")
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(try Self.cam(["explain", Self.photo, "--out", out + "/png", "--quiet"]).status == 0)
        let png = try ImageDecoder.decode(path: out + "/png/" + Self.stem + ".png")
        for (format, quality) in [(OverlayFormat.jpg, 90), (.webp, 90), (.jpg, 60)] {
            let folder = out + "/\(format)\(quality)"
            let r = try Self.cam(["explain", Self.photo, "--out", folder, "--quiet", "--format", format.rawValue, "--quality", "\(quality)"])
            #expect(r.status == 0, "\(r.stderr)")
            let name = Self.stem + "." + format.rawValue
            let bytes = try FileBytes.read(folder + "/" + name)
            #expect(try String(contentsOfFile: folder + "/results.jsonl", encoding: .utf8).contains("\"overlay\":\"\(name)\""))
            // The same bytes as encoding the PNG overlay's pixels (with the run's comment).
            let comment = try #require(OverlayEncoder.comment(in: bytes))
            #expect(comment.hasPrefix("camkit overlay settings "))
            #expect(bytes == (try OverlayEncoder(format: format, quality: quality, comment: comment).encode(png)))
            let manifest = try String(contentsOfFile: folder + "/manifest.json", encoding: .utf8)
            #expect(manifest.contains("\"format\" : \"\(format.rawValue)\"") && manifest.contains("\"quality\" : \(quality)"), "\(manifest)")
        }
        // Kept by --skip-existing at the same settings, redrawn at another quality.
        let kept = out + "/jpg90/" + Self.stem + ".jpg"
        let before = try FileManager.default.attributesOfItem(atPath: kept)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try Self.cam(["explain", Self.photo, "--out", out + "/jpg90", "--quiet", "--format", "jpg", "--quality", "90", "--skip-existing"]).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: kept)[.modificationDate] as? Date == before)
        #expect(try Self.cam(["explain", Self.photo, "--out", out + "/jpg90", "--quiet", "--format", "jpg", "--quality", "60", "--skip-existing"]).status == 0)
        #expect(try FileBytes.read(kept) == (try FileBytes.read(out + "/jpg60/" + Self.stem + ".jpg")))
        // Overlays of every format are camkit's own outputs: not inputs of a run over the folder.
        // (.jpg is an input extension, so only the own-output rule keeps .cam.jpg out.)
        let again = try Self.cam(["explain", out + "/jpg90", "--out", out + "/again"])
        #expect(again.status == 0 && again.stderr.contains("0 explained, 0 failed") && !again.stderr.contains(".cam.jpg"), "\(again.stderr)")
    }

    @Test func qualityOutsideItsRangeOrWithPNGIsAUsageError() throws {
        for (args, message) in [(["--quality", "90"], "--quality applies to --format jpg or webp (PNG is lossless)"),
                                (["--format", "jpg", "--quality", "0"], "--quality 0 is outside 1...100"),
                                (["--format", "webp", "--quality", "101"], "--quality 101 is outside 1...100"),
                                (["--format", "gif"], "gif")] {
            let r = try Self.cam(["explain", Self.photo, "--out", "/nonexistent/never", "--quiet"] + args)
            #expect(r.status == 2 && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
        }
    }
}
