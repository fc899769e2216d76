import CFreeType

/// Draws text labels into images with FreeType and a system font (DejaVu Sans from Debian's
/// fonts-dejavu-core), for the labelled grids of `cam inspect`.
public final class TextRenderer {
    /// Fonts tried in order.
    public static let fontCandidates = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ]

    private var library: FT_Library?
    private var face: FT_Face?
    public let pixelSize: Int

    /// Nil when FreeType or no font is available (labels are then left out, not an error).
    public init?(pixelSize: Int = 16) {
        self.pixelSize = pixelSize
        guard FT_Init_FreeType(&library) == 0 else { return nil }
        for path in Self.fontCandidates where FT_New_Face(library, path, 0, &face) == 0 { break }
        guard face != nil, FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize)) == 0 else {
            FT_Done_FreeType(library)
            return nil
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        FT_Done_FreeType(library)
    }

    /// Advance width of `text` in pixels.
    public func width(of text: String) -> Int {
        var x = 0
        for scalar in text.unicodeScalars where FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_DEFAULT)) == 0 {
            x += Int(face!.pointee.glyph.pointee.advance.x >> 6)
        }
        return x
    }

    /// Draws `text` with its baseline at y, starting at x, blending by glyph coverage.
    public func draw(_ text: String, into image: inout RGBImage, x: Int, baseline: Int, color: (UInt8, UInt8, UInt8)) {
        guard let face else { return }
        var penX = x
        for scalar in text.unicodeScalars {
            guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0 else { continue }
            let glyph = face.pointee.glyph.pointee
            let bitmap = glyph.bitmap
            let left = penX + Int(glyph.bitmap_left), top = baseline - Int(glyph.bitmap_top)
            for row in 0..<Int(bitmap.rows) {
                for col in 0..<Int(bitmap.width) {
                    let px = left + col, py = top + row
                    guard px >= 0, py >= 0, px < image.width, py < image.height, let buffer = bitmap.buffer else { continue }
                    let coverage = Float(buffer[row * Int(bitmap.pitch) + col]) / 255
                    if coverage == 0 { continue }
                    let i = (py * image.width + px) * 3
                    image.pixels[i] = UInt8(Float(image.pixels[i]) * (1 - coverage) + Float(color.0) * coverage)
                    image.pixels[i + 1] = UInt8(Float(image.pixels[i + 1]) * (1 - coverage) + Float(color.1) * coverage)
                    image.pixels[i + 2] = UInt8(Float(image.pixels[i + 2]) * (1 - coverage) + Float(color.2) * coverage)
                }
            }
            penX += Int(glyph.advance.x >> 6)
        }
    }
}
