/// CMYK JPEG samples to RGB, replicating Pillow: its JPEG decoder reads CMYK as Adobe-inverted
/// ("CMYK;I"), then `convert("RGB")` applies its own formula.
enum CMYKConversion {
    /// `raw` holds the samples as stored in the file (TurboJPEG does not invert them).
    static func toRGB(_ raw: [UInt8], width: Int, height: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            // With stored = 255 - ink, Pillow's nk - MULDIV255(ink, nk) reduces exactly to
            // MULDIV255(stored colour, stored K).
            let k = Int(raw[i * 4 + 3])
            out[i * 3] = UInt8(mulDiv255(Int(raw[i * 4]), k))
            out[i * 3 + 1] = UInt8(mulDiv255(Int(raw[i * 4 + 1]), k))
            out[i * 3 + 2] = UInt8(mulDiv255(Int(raw[i * 4 + 2]), k))
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Pillow's MULDIV255: rounded a*b/255 in integers.
    @inline(__always) static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a * b + 128
        return (t + (t >> 8)) >> 8
    }
}
