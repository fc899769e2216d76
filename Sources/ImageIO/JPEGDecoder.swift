import CJPEG

/// Decodes JPEG files through TurboJPEG (libjpeg-turbo 2.1's `tj*` API, which does its own
/// setjmp internally, so no C shim is needed) to the same RGB samples as Pillow.
public enum JPEGDecoder {
    /// Decodes a whole JPEG to 8-bit RGB; applies EXIF orientation when the options say so.
    public static func decode(_ bytes: [UInt8], path: String, options: DecodeOptions = .init()) throws(ImageError) -> RGBImage {
        guard let handle = tjInitDecompress() else { throw .corrupt(path: path, detail: "cannot initialise TurboJPEG") }
        defer { tjDestroy(handle) }
        let header = try readHeader(handle, bytes, path: path)
        if header.width * header.height > options.maxPixels {
            throw .tooLarge(path: path, width: header.width, height: header.height, limit: options.maxPixels)
        }
        let isCMYK = header.colorspace == Int32(TJCS_CMYK.rawValue) || header.colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = isCMYK ? 4 : 3
        let format = isCMYK ? Int32(TJPF_CMYK.rawValue) : Int32(TJPF_RGB.rawValue)
        var raw = [UInt8](repeating: 0, count: header.width * header.height * channels)
        let rc = bytes.withUnsafeBufferPointer { src in
            raw.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress,
                              Int32(header.width), 0, Int32(header.height), format, 0)
            }
        }
        if rc != 0 { try checkFailure(handle, path: path) }
        var image = isCMYK
            ? CMYKConversion.toRGB(raw, width: header.width, height: header.height)
            : RGBImage(width: header.width, height: header.height, pixels: raw)
        if options.applyEXIFOrientation, let orientation = EXIFOrientation.read(fromJPEG: bytes) {
            image = orientation.apply(to: image)
        }
        return image
    }

    struct Header {
        var width: Int
        var height: Int
        var colorspace: Int32
    }

    static func readHeader(_ handle: tjhandle, _ bytes: [UInt8], path: String) throws(ImageError) -> Header {
        var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let rc = bytes.withUnsafeBufferPointer { src in
            tjDecompressHeader3(handle, src.baseAddress, UInt(src.count), &w, &h, &subsampling, &colorspace)
        }
        if rc != 0 { try checkFailure(handle, path: path) }
        // A truncated header can "succeed" without setting the size.
        guard w > 0, h > 0 else {
            throw .truncated(path: path, detail: "no image size in the JPEG header")
        }
        return Header(width: Int(w), height: Int(h), colorspace: colorspace)
    }

    /// TurboJPEG returns -1 for warnings too. A premature end of data is an error (as in Pillow:
    /// libjpeg pads the rest with gray, and a map of half a photo would mislead); other warnings
    /// (extraneous bytes before a marker, data after EOI) are not.
    static func checkFailure(_ handle: tjhandle, path: String) throws(ImageError) {
        let message = String(cString: tjGetErrorStr2(handle))
        let lowered = message.lowercased()
        if lowered.contains("premature end") || lowered.contains("truncated") {
            throw .truncated(path: path, detail: message)
        }
        if tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) { return }
        throw .corrupt(path: path, detail: message)
    }
}
