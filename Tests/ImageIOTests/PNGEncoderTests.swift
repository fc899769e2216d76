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
        let bytes = try PNGEncoder(compressionLevel: level).encode(image)
        #expect(try ImageDecoder.decode(bytes: bytes, path: "mem") == image)
        #expect(String(decoding: bytes, as: UTF8.self).contains("Software"))
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
