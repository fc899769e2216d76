import CJPEG

/// Encodes RGB images as baseline JPEG through TurboJPEG: 4:2:0 chroma and libjpeg's accurate
/// integer DCT (TurboJPEG defaults to the fast one), as Pillow and OpenCV write. An optional comment goes into a COM segment
/// (camkit records the settings that drew an overlay there, as it does in a PNG's tEXt).
public struct JPEGEncoder: Sendable {
    /// libjpeg quality, 1...100.
    public var quality: Int
    public var comment: String?

    /// libjpeg's limit on a side (JPEG_MAX_DIMENSION; the frame header itself holds 65535).
    public static let maxSide = 65500

    public init(quality: Int, comment: String? = nil) {
        self.quality = quality
        self.comment = comment
    }

    public func encode(_ image: RGBImage, path: String = "<memory>") throws(ImageError) -> [UInt8] {
        guard image.width <= Self.maxSide, image.height <= Self.maxSide else {
            throw .encodeFailed(path: path, format: "JPEG", detail: "\(image.width)x\(image.height) is over JPEG's \(Self.maxSide) pixels a side")
        }
        guard let handle = tjInitCompress() else { throw .encodeFailed(path: path, format: "JPEG", detail: "cannot initialise TurboJPEG") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let rc = image.pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &out, &size, Int32(TJSAMP_420.rawValue), Int32(min(max(quality, 1), 100)), TJFLAG_ACCURATEDCT)
        }
        defer { tjFree(out) }
        guard rc == 0, let out else {
            throw .encodeFailed(path: path, format: "JPEG", detail: String(cString: tjGetErrorStr2(handle)))
        }
        var bytes = Array(UnsafeBufferPointer(start: out, count: Int(size)))
        if let comment { bytes.insert(contentsOf: Self.commentSegment(comment), at: Self.afterJFIF(bytes)) }
        return bytes
    }

    /// A COM segment: FF FE, its length (big-endian, counting the two length bytes), the text.
    static func commentSegment(_ text: String) -> [UInt8] {
        let t = Array(text.utf8.prefix(65533))
        let n = t.count + 2
        return [0xFF, 0xFE, UInt8(n >> 8), UInt8(n & 0xFF)] + t
    }

    /// Where a segment may go: after SOI and the JFIF APP0 that must follow it.
    static func afterJFIF(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 6, bytes[2] == 0xFF, bytes[3] == 0xE0 else { return 2 }
        return min(bytes.count, 4 + (Int(bytes[4]) << 8 | Int(bytes[5])))
    }

    /// The text of the first COM segment before the scan, or nil when there is none or the
    /// segments up to it are malformed. Written by hand (a walk over segment headers): only
    /// camkit's own comment is wanted, and a decoder would read the whole image to reach it.
    public static func comment(in bytes: [UInt8]) -> String? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var at = 2
        while at + 4 <= bytes.count, bytes[at] == 0xFF {
            let marker = bytes[at + 1]
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard length >= 2, at + 2 + length <= bytes.count else { return nil }
            if marker == 0xFE { return String(decoding: bytes[(at + 4)..<(at + 2 + length)], as: UTF8.self) }
            at += 2 + length
        }
        return nil
    }
}
