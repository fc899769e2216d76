#if canImport(Glibc)
import FileIO
import Glibc
#endif

/// Reads an image file of any supported format, sniffing the format from its bytes.
public enum ImageDecoder {
    /// Reads the whole file at `path`.
    public static func readFile(_ path: String) throws(ImageError) -> [UInt8] {
        do { return try FileBytes.read(path) } catch { throw .unreadable(path: path, reason: error.reason) }
    }

    /// Reads the whole file at a path given as bytes; errors show `path`.
    public static func readFile(location: [UInt8], path: String) throws(ImageError) -> [UInt8] {
        do { return try FileBytes.read(location: location) } catch { throw .unreadable(path: path, reason: error.reason) }
    }

    /// Decodes `path` to RGB. Errors name the path and the cause.
    public static func decode(path: String, options: DecodeOptions = .init()) throws(ImageError) -> RGBImage {
        try decode(bytes: readFile(path), path: path, options: options)
    }

    /// Decodes bytes already in memory; `path` is used only in error messages.
    public static func decode(bytes: [UInt8], path: String, options: DecodeOptions = .init()) throws(ImageError) -> RGBImage {
        switch ImageFormat.sniff(bytes) {
        case .png: return try PNGDecoder.decode(bytes, path: path, options: options)
        case .jpeg: return try JPEGDecoder.decode(bytes, path: path, options: options)
        case nil: throw .unsupportedFormat(path: path, found: ImageFormat.describeUnknown(bytes))
        }
    }
}
