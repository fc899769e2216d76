import FileIO

/// The file formats overlays are written in (`--format`): PNG, lossless and the default; JPEG
/// and WebP, lossy and several times smaller (BENCHMARKS.md, "Overlay formats").
public enum OverlayFormat: String, Sendable, CaseIterable, Codable {
    case png, jpg, webp

    /// The format's name in messages.
    public var displayName: String {
        switch self {
        case .png: return "PNG"
        case .jpg: return "JPEG"
        case .webp: return "WebP"
        }
    }

    /// The quality JPEG and WebP overlays get unless told otherwise: the heatmap's smooth
    /// gradients band visibly below ~85.
    public static let defaultQuality = 90
}

/// Writes overlays in one format, each carrying a comment (camkit records the settings that drew
/// it: PNG tEXt "Comment", JPEG COM segment, WebP XMP description) that `comment(in:)` reads back
/// from any of them.
public struct OverlayEncoder: Sendable {
    public var format: OverlayFormat
    /// JPEG and WebP quality, 1...100.
    public var quality: Int
    /// PNG compression.
    public var pngLevel: PNGEncoder.Level
    /// PNG only (tEXt "Software").
    public var software: String?
    public var comment: String?

    public init(format: OverlayFormat = .png, quality: Int = OverlayFormat.defaultQuality, pngLevel: PNGEncoder.Level = .fast,
                software: String? = "camkit", comment: String? = nil) {
        self.format = format
        self.quality = quality
        self.pngLevel = pngLevel
        self.software = software
        self.comment = comment
    }

    public func encode(_ image: RGBImage, path: String = "<memory>") throws(ImageError) -> [UInt8] {
        switch format {
        case .png: return try PNGEncoder(level: pngLevel, software: software, comment: comment).encode(image, path: path)
        case .jpg: return try JPEGEncoder(quality: quality, comment: comment).encode(image, path: path)
        case .webp: return try WebPEncoder(quality: quality, comment: comment).encode(image, path: path)
        }
    }

    /// Encodes and writes atomically to `relative` inside an output folder.
    public func write(_ image: RGBImage, to relative: String, in folder: OutputFolder) throws(ImageError) {
        try folder.writeEncoded(relative) { path throws(ImageError) in try encode(image, path: path) }
    }

    /// The comment of a PNG, JPEG or WebP file written by an `OverlayEncoder`, or nil.
    public static func comment(in bytes: [UInt8]) -> String? {
        PNGTextChunks.value(of: "Comment", in: bytes) ?? JPEGEncoder.comment(in: bytes) ?? WebPEncoder.comment(in: bytes)
    }

    /// The size of a whole, readable overlay file (decoded in full, so a truncated file is not
    /// taken), or nil.
    public static func size(of bytes: [UInt8], path: String) -> (width: Int, height: Int)? {
        if let webp = WebPEncoder.size(of: bytes) { return webp }
        guard let image = try? ImageDecoder.decode(bytes: bytes, path: path) else { return nil }
        return (image.width, image.height)
    }
}
