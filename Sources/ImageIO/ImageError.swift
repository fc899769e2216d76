/// Why an image could not be read or written. Every case names the file it concerns.
public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a format camkit decodes; `found` describes what the first bytes look like.
    case unsupportedFormat(path: String, found: String)
    /// The file ends before the image data does.
    case truncated(path: String, detail: String)
    /// The decoder rejected the data; `detail` is libpng's or TurboJPEG's message.
    case corrupt(path: String, detail: String)
    /// The header claims more pixels than the configured limit allows.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// An encoder failed.
    case encodeFailed(path: String, format: String = "PNG", detail: String)

    public var description: String {
        switch self {
        case let .unsupportedFormat(path, found): return "\(path): not a PNG or JPEG image (\(found))"
        case let .truncated(path, detail): return "\(path): truncated image (\(detail))"
        case let .corrupt(path, detail): return "\(path): corrupt image data (\(detail))"
        case let .tooLarge(path, w, h, limit):
            return "\(path): image is \(w)x\(h) = \(w * h) pixels, over the limit of \(limit) pixels"
        case let .unreadable(path, reason): return "\(path): cannot read file (\(reason))"
        case let .unwritable(path, reason): return "\(path): cannot write file (\(reason))"
        case let .encodeFailed(path, format, detail): return "\(path): \(format) encoding failed (\(detail))"
        }
    }
}
