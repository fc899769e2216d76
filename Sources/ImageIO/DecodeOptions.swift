/// Settings that bound decoding work.
public struct DecodeOptions: Sendable {
    /// Largest accepted `width * height`, checked from the header before pixels are allocated.
    public var maxPixels: Int
    /// Applies the EXIF orientation of JPEGs as Pillow's `ImageOps.exif_transpose` does.
    public var applyEXIFOrientation: Bool

    /// The default limit: 100 megapixels.
    public static let defaultMaxPixels = 100_000_000

    public init(maxPixels: Int = DecodeOptions.defaultMaxPixels, applyEXIFOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.applyEXIFOrientation = applyEXIFOrientation
    }
}
