import CPNGShim
#if canImport(Glibc)
import Glibc
#endif

/// Decodes PNG files through libpng's classic API (via the `CPNGShim` C target) to the same
/// RGB samples as Pillow's `Image.open(f).convert("RGB")`: no gamma or colour management,
/// alpha dropped rather than composited.
public enum PNGDecoder {
    /// Decodes a whole PNG to 8-bit RGB.
    public static func decode(_ bytes: [UInt8], path: String, options: DecodeOptions = .init()) throws(ImageError) -> RGBImage {
        var decoded = cpng_decoded()
        var message = [CChar](repeating: 0, count: 256)
        let rc = bytes.withUnsafeBufferPointer { buf in
            cpng_decode(buf.baseAddress, buf.count, UInt64(options.maxPixels), &decoded, &message, message.count)
        }
        if rc == -2 {
            throw .tooLarge(path: path, width: Int(decoded.width), height: Int(decoded.height), limit: options.maxPixels)
        }
        if rc != 0 { throw classify(message: messageText(message), path: path) }
        defer { free(decoded.pixels) }
        return convertToRGB(decoded)
    }

    /// libpng's messages for data that simply stops are reported as truncation.
    static func classify(message: String, path: String) -> ImageError {
        let lowered = message.lowercased()
        if lowered.contains("truncated") || lowered.contains("unexpected end") || lowered.contains("not enough image data") {
            return .truncated(path: path, detail: message)
        }
        return .corrupt(path: path, detail: message)
    }

    /// Maps expanded samples to RGB the way Pillow does: 16-bit colour and gray+alpha keep the
    /// high byte (Pillow's `;16B` raw modes); 16-bit gray becomes Pillow mode "I", whose
    /// conversion to RGB clips at 255.
    static func convertToRGB(_ d: cpng_decoded) -> RGBImage {
        let w = Int(d.width), h = Int(d.height), channels = Int(d.channels)
        let count = w * h
        var out = [UInt8](repeating: 0, count: count * 3)
        let gray = channels <= 2
        let isPlainGray16 = d.bit_depth == 16 && d.color_type == 0 // PNG_COLOR_TYPE_GRAY, no alpha in the file
        out.withUnsafeMutableBufferPointer { dst in
            if d.bit_depth == 8 {
                let src = UnsafePointer<UInt8>(d.pixels!)
                for i in 0..<count {
                    let s = src + i * channels
                    if gray {
                        dst[i * 3] = s[0]; dst[i * 3 + 1] = s[0]; dst[i * 3 + 2] = s[0]
                    } else {
                        dst[i * 3] = s[0]; dst[i * 3 + 1] = s[1]; dst[i * 3 + 2] = s[2]
                    }
                }
            } else {
                let src = UnsafeRawPointer(d.pixels!).assumingMemoryBound(to: UInt16.self)
                for i in 0..<count {
                    let s = src + i * channels
                    if gray {
                        let v: UInt8 = isPlainGray16 ? UInt8(min(Int(s[0]), 255)) : UInt8(s[0] >> 8)
                        dst[i * 3] = v; dst[i * 3 + 1] = v; dst[i * 3 + 2] = v
                    } else {
                        dst[i * 3] = UInt8(s[0] >> 8); dst[i * 3 + 1] = UInt8(s[1] >> 8); dst[i * 3 + 2] = UInt8(s[2] >> 8)
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
