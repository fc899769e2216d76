import Foundation
import ImageIO
import Testing
import TestSupport

@Suite("PNG encoding and atomic writes")
struct PNGEncoderTests {
    func gradient(_ w: Int, _ h: Int) -> RGBImage {
        var px = [UInt8]()
        for y in 0..<h { for x in 0..<w { px += [UInt8(x * 255 / max(w - 1, 1)), UInt8(y * 255 / max(h - 1, 1)), UInt8((x + y) % 256)] } }
        return RGBImage(width: w, height: h, pixels: px)
    }

    @Test(arguments: [0, 1, 6, 9])
    func roundTripRGB(level: Int) throws {
        let image = gradient(37, 23)
        var encoder = PNGEncoder(compressionLevel: level)
        encoder.deflater = .zlib
        let bytes = try encoder.encode(image)
        #expect(try ImageDecoder.decode(bytes: bytes, path: "mem") == image)
        #expect(String(decoding: bytes, as: UTF8.self).contains("Software"))
    }

    /// igzip's files, written by camkit's own container code, decode with libpng (which checks
    /// every CRC and the zlib stream) to the exact pixels: each level and filter, odd sizes, one
    /// row, one column, an image larger than one IDAT chunk, and gray and RGBA samples.
    @Test(arguments: [1, 2, 3])
    func igzipRoundTrip(level: Int) throws {
        for filter in [PNGEncoder.Filter.none, .sub, .up] {
            for (w, h) in [(1, 1), (37, 23), (1, 17), (333, 1), (1001, 700)] {
                let image = gradient(w, h)
                var encoder = PNGEncoder(compressionLevel: level, filter: filter, comment: "settings \(w)")
                encoder.deflater = .igzip
                let bytes = try encoder.encode(image)
                #expect(Array(bytes[12..<16]) == Array("IHDR".utf8), "igzip's container, not libpng's")
                #expect(try ImageDecoder.decode(bytes: bytes, path: "mem") == image, "\(filter) \(w)x\(h)")
                #expect(PNGTextChunks.value(of: "Comment", in: bytes) == "settings \(w)")
                #expect(PNGTextChunks.value(of: "Software", in: bytes) == "camkit")
            }
        }
        let gray = try ImageDecoder.decode(bytes: PNGEncoder(compressionLevel: level).encodeGray8([1, 2, 3, 4, 5, 6], width: 3, height: 2), path: "g")
        #expect(gray.pixels == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6])
    }

    /// A corrupted byte in the igzip file's data is caught by libpng's CRC check: the CRCs are real.
    @Test func igzipCRCsAreChecked() throws {
        var bytes = try PNGEncoder().encode(gradient(16, 16))
        let idat = try #require((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == Array("IDAT".utf8) })
        bytes[idat + 6] ^= 0x01
        #expect(throws: ImageError.self) { try ImageDecoder.decode(bytes: bytes, path: "mem") }
    }

    @Test func roundTripGray16ClipsLikePillow() throws {
        let samples: [UInt16] = [0, 100, 255, 256, 65535, 7]
        let bytes = try PNGEncoder().encodeGray16(samples, width: 3, height: 2)
        let image = try ImageDecoder.decode(bytes: bytes, path: "mem")
        #expect(image.pixels == [0, 0, 0, 100, 100, 100, 255, 255, 255, 255, 255, 255, 255, 255, 255, 7, 7, 7])
    }

    @Test func roundTripGray8AndRGBA() throws {
        let gray = try ImageDecoder.decode(bytes: PNGEncoder().encodeGray8([1, 2, 3, 4], width: 2, height: 2), path: "g")
        #expect(gray.pixels == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
        let rgba = try ImageDecoder.decode(bytes: PNGEncoder().encodeRGBA8([9, 8, 7, 0, 1, 2, 3, 255], width: 2, height: 1), path: "a")
        #expect(rgba.pixels == [9, 8, 7, 1, 2, 3])
    }

    func temporaryFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func atomicWriteLeavesNoTemporaryFiles() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PNGEncoder().write(gradient(8, 8), to: dir + "/a.png")
        try PNGEncoder().write(gradient(9, 9), to: dir + "/a.png") // replaces whole
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.png"])
        #expect(try ImageDecoder.decode(path: dir + "/a.png").width == 9)
    }

    @Test func failedWriteNamesPathAndLeavesNothing() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/missing-sub/a.png"
        #expect(throws: ImageError.unwritable(path: target, reason: "No such file or directory")) {
            try PNGEncoder().write(gradient(4, 4), to: target)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}
