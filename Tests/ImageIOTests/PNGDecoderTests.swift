import Foundation
import ImageIO
import Testing
import TestSupport

@Suite("PNG decoding against Pillow")
struct PNGDecoderTests {
    nonisolated(unsafe) static let manifest = try! Fixtures.json("images/manifest.json")
    static let valid = (manifest["png"] as! [[String: Any]]).map { $0["file"] as! String }
    static let corrupt = (manifest["corrupt"] as! [[String: Any]]).map { $0["file"] as! String }

    /// Sizes of the lists when written (Tests/Fixtures/images/manifest.json): a short list fails here.
    @Test func listsAreComplete() throws {
        try requireCount(Self.valid, atLeast: 54, "PNG files")
        try requireCount(Self.corrupt, atLeast: 21, "corrupt PNG files")
    }

    @Test("PngSuite file decodes to Pillow's pixels", arguments: valid)
    func pngSuite(file: String) throws {
        let image = try ImageDecoder.decode(path: Fixtures.path("images/" + file))
        let expected = try Fixtures.npy("images/" + file.replacingOccurrences(of: ".png", with: ".rgb.npy"))
        #expect(expected.shape == [image.height, image.width, 3])
        #expect(image.pixels == expected.uint8s(), "pixels differ from Pillow's for \(file), max diff \(maxByteDifference(image.pixels, expected.uint8s()) ?? -1)")
    }

    // libpng reads to IEND and checks every CRC, so it rejects a few files Pillow tolerates
    // (no IEND, IEND cut short, bad IDAT CRC): stricter, never laxer. Out-of-range palette
    // indices are accepted by both (Pillow shows its gray ramp, libpng black): not compared.
    static let acceptedByLibpng: Set<String> = ["corrupt/invalid-palette.png", "corrupt/palette_index_out_of_range.png"]

    @Test("corrupt PNG is a typed error naming the file", arguments: corrupt)
    func corruptFile(file: String) throws {
        let path = Fixtures.path("images/" + file)
        if Self.acceptedByLibpng.contains(file) {
            _ = try ImageDecoder.decode(path: path)
            return
        }
        do {
            _ = try ImageDecoder.decode(path: path)
            Issue.record("\(file) decoded but should fail")
        } catch {
            #expect(error.description.hasPrefix(path), "message should name the file: \(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func hugeHeaderIsRefusedBeforeAllocation() throws {
        let path = Fixtures.path("images/corrupt/huge_100000x100000.png")
        let start = ContinuousClock.now
        #expect(throws: ImageError.tooLarge(path: path, width: 100_000, height: 100_000, limit: 100_000_000)) {
            try ImageDecoder.decode(path: path)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func pixelLimitIsConfigurable() throws {
        let path = Fixtures.path("images/png/basn2c08.png")
        #expect(throws: ImageError.tooLarge(path: path, width: 32, height: 32, limit: 1000)) {
            try ImageDecoder.decode(path: path, options: DecodeOptions(maxPixels: 1000))
        }
    }

    @Test func textFileNamedPNGIsUnsupported() throws {
        let path = Fixtures.path("images/corrupt/text.png")
        do {
            _ = try ImageDecoder.decode(path: path)
            Issue.record("text decoded")
        } catch let error {
            guard case .unsupportedFormat = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func missingFileIsUnreadable() {
        #expect(throws: ImageError.unreadable(path: "/nonexistent/x.png", reason: "No such file or directory")) {
            try ImageDecoder.decode(path: "/nonexistent/x.png")
        }
    }
}
