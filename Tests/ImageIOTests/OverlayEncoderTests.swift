import Foundation
import ImageIO
import Testing
import TestSupport

/// The overlay formats against Pillow (Scripts/fixtures/make_format_fixtures.py): Pillow links the
/// same libjpeg-turbo and libwebp, so with the same settings the files are the same bytes.
@Suite("Overlay formats against Pillow")
struct OverlayEncoderTests {
    static func photo() throws -> RGBImage { try ImageDecoder.decode(path: Command.repository + "/Samples/images/chelsea.png") }
    static func fixture(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("formats/" + name)))) }
    static let comment = "camkit overlay settings 0123456789abcdef"

    @Test(arguments: [90, 60]) func jpegIsPillowsBytes(quality: Int) throws {
        let ours = try JPEGEncoder(quality: quality).encode(try Self.photo())
        #expect(ours == (try Self.fixture("chelsea.q\(quality).jpg")), "JPEG q\(quality) differs from Pillow's (\(ours.count) bytes)")
    }

    @Test(arguments: [90, 60]) func webpIsPillowsBytes(quality: Int) throws {
        let ours = try WebPEncoder(quality: quality).encode(try Self.photo())
        #expect(ours == (try Self.fixture("chelsea.q\(quality).webp")), "WebP q\(quality) differs from Pillow's (\(ours.count) bytes)")
    }

    @Test func commentsAreReadBackAndChangeNoPixel() throws {
        let photo = try Self.photo()
        // JPEG: a COM segment right after the JFIF APP0, nothing else changed.
        let plain = try Self.fixture("chelsea.q90.jpg"), jpeg = try JPEGEncoder(quality: 90, comment: Self.comment).encode(photo)
        let segment: [UInt8] = [0xFF, 0xFE, 0, UInt8(Self.comment.utf8.count + 2)] + Array(Self.comment.utf8)
        #expect(jpeg == Array(plain[0..<20]) + segment + Array(plain[20...]))
        #expect(JPEGEncoder.comment(in: jpeg) == Self.comment && JPEGEncoder.comment(in: plain) == nil)
        #expect(try ImageDecoder.decode(bytes: jpeg, path: "a.jpg") == ImageDecoder.decode(bytes: plain, path: "b.jpg"))
        // WebP: the extended format with an XMP chunk; the image chunk is Pillow's.
        let webp = try WebPEncoder(quality: 90, comment: Self.comment).encode(photo), plainWebP = try Self.fixture("chelsea.q90.webp")
        #expect(WebPEncoder.comment(in: webp) == Self.comment && WebPEncoder.comment(in: plainWebP) == nil)
        #expect(webp.count > plainWebP.count && webp.firstRange(of: plainWebP[12...]) != nil, "the VP8 chunk is not Pillow's")
        #expect(WebPEncoder.size(of: webp)! == (451, 300))
        // Every format through the one reader --skip-existing uses.
        for format in OverlayFormat.allCases {
            let bytes = try OverlayEncoder(format: format, comment: Self.comment).encode(photo)
            #expect(OverlayEncoder.comment(in: bytes) == Self.comment, "\(format)")
            #expect(OverlayEncoder.size(of: bytes, path: "x")! == (451, 300), "\(format)")
            #expect(OverlayEncoder.size(of: Array(bytes.prefix(bytes.count / 2)), path: "x") == nil, "a truncated \(format) is taken as whole")
        }
    }

    @Test func sidesOverTheFormatsLimitsAreErrorsNamingTheFile() throws {
        let wide = RGBImage(width: 16384, height: 1, pixels: [UInt8](repeating: 128, count: 16384 * 3))
        #expect(throws: ImageError.encodeFailed(path: "out/a.cam.webp", format: "WebP", detail: "16384x1 is over WebP's 16383 pixels a side")) {
            try WebPEncoder(quality: 90).encode(wide, path: "out/a.cam.webp")
        }
        let wider = RGBImage(width: 65501, height: 1, pixels: [UInt8](repeating: 128, count: 65501 * 3))
        #expect(throws: ImageError.encodeFailed(path: "out/a.cam.jpg", format: "JPEG", detail: "65501x1 is over JPEG's 65500 pixels a side")) {
            try JPEGEncoder(quality: 90).encode(wider, path: "out/a.cam.jpg")
        }
        #expect(ImageError.encodeFailed(path: "a", format: "WebP", detail: "d").description == "a: WebP encoding failed (d)")
    }
}
