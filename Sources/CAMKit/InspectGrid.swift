import ImageIO

/// One labelled grid PNG: the photo and one overlay per class, side by side at a common height,
/// each with its caption above.
public enum InspectGrid {
    /// The most pixels a grid may have (2^27, 384 MB of RGB).
    static let maxPixels = 1 << 27
    static let captionHeight = 26, gap = 6

    /// Width of a panel of `image` at `height`.
    static func panelWidth(_ image: RGBImage, height: Int) -> Int {
        max(1, Int((Double(image.width) * Double(height) / Double(image.height)).rounded()))
    }

    /// Refuses a grid of `panels` panels (besides the photo) over `maxPixels`, before any is drawn.
    public static func check(photo: RGBImage, panels: Int, height: Int) throws(CAMError) {
        let width = Double(panels + 1) * Double(panelWidth(photo, height: height) + gap) + Double(gap)
        let pixels = width * Double(captionHeight + height + gap)
        if pixels > Double(maxPixels) { throw .gridTooLarge(pixels: pixels, limit: maxPixels) }
    }

    /// An overlay scaled to its panel, so that full-size overlays need not all be kept.
    public static func panel(_ image: RGBImage, height: Int) -> RGBImage {
        image.height == height ? image : Resampler(filter: .bilinear, path: .active).resize(image, width: panelWidth(image, height: height), height: height)
    }

    public static func render(photo: RGBImage, panels: [(image: RGBImage, caption: String)], height: Int = 256) throws(CAMError) -> RGBImage {
        try check(photo: photo, panels: panels.count, height: height)
        let all = [(photo, "photo \(photo.width)×\(photo.height)")] + panels.map { ($0.image, $0.caption) }
        let scaled = all.map { image, caption -> (RGBImage, String) in (panel(image, height: height), caption) }
        let totalWidth = scaled.reduce(gap) { $0 + $1.0.width + gap }
        let totalHeight = captionHeight + height + gap
        var grid = RGBImage(width: totalWidth, height: totalHeight, pixels: [UInt8](repeating: 255, count: totalWidth * totalHeight * 3))
        let text = TextRenderer(pixelSize: 14)
        var x = gap
        for (image, caption) in scaled {
            for row in 0..<image.height {
                let dst = ((captionHeight + row) * totalWidth + x) * 3
                let src = row * image.width * 3
                grid.pixels.replaceSubrange(dst..<(dst + image.width * 3), with: image.pixels[src..<(src + image.width * 3)])
            }
            var label = caption
            if let text {
                while label.count > 4 && text.width(of: label) > image.width { label = String(label.dropLast(2)) + "…" }
                text.draw(label, into: &grid, x: x, baseline: captionHeight - 8, color: (20, 20, 20))
            }
            x += image.width + gap
        }
        return grid
    }
}
