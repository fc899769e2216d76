/// The EXIF orientation tag (0x0112) and the transpose Pillow's `ImageOps.exif_transpose` applies.
public enum EXIFOrientation: Int, Sendable {
    case normal = 1, mirrored = 2, rotated180 = 3, flipped = 4
    case transposed = 5, rotated90Clockwise = 6, transversed = 7, rotated90CounterClockwise = 8

    /// Finds the orientation in a JPEG's APP1 Exif segment; `nil` if absent or malformed.
    /// Hand-written because it is 40 lines of bounds-checked TIFF reading and no system
    /// library on the machine exposes EXIF parsing.
    public static func read(fromJPEG bytes: [UInt8]) -> EXIFOrientation? {
        var offset = 2
        while offset + 4 <= bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { offset += 2; continue }
            if marker == 0xFF { offset += 1; continue }
            if marker == 0xDA || marker == 0xD9 { return nil } // image data starts: no Exif before it
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            if marker == 0xE1, length >= 8 {
                let start = offset + 4
                if bytes[start..<start + 6].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) {
                    return parseTIFF(Array(bytes[(start + 6)..<(offset + 2 + length)]))
                }
            }
            offset += 2 + length
        }
        return nil
    }

    static func parseTIFF(_ tiff: [UInt8]) -> EXIFOrientation? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(at + 2), type == 3, let value = u16(at + 8) else { return nil }
                return EXIFOrientation(rawValue: value)
            }
        }
        return nil
    }

    /// Returns the image turned upright.
    public func apply(to image: RGBImage) -> RGBImage {
        let w = image.width, h = image.height
        let swaps = rawValue >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        if self == .normal { return image }
        var out = [UInt8](repeating: 0, count: ow * oh * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let (sx, sy) = source(x: x, y: y, width: w, height: h)
                        let s = (sy * w + sx) * 3, d = (y * ow + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }

    /// The source pixel for output pixel (x, y); width and height are the source's.
    func source(x: Int, y: Int, width w: Int, height h: Int) -> (Int, Int) {
        switch self {
        case .normal: return (x, y)
        case .mirrored: return (w - 1 - x, y)
        case .rotated180: return (w - 1 - x, h - 1 - y)
        case .flipped: return (x, h - 1 - y)
        case .transposed: return (y, x)
        case .rotated90Clockwise: return (y, h - 1 - x)
        case .transversed: return (w - 1 - y, h - 1 - x)
        case .rotated90CounterClockwise: return (w - 1 - y, x)
        }
    }
}
