import ImageIO

/// Blends a coloured map over the photo: (1 − α)·photo + α·heat, at the photo's full resolution.
public struct Overlay: Sendable {
    public var colormap: Colormap = .jet
    public var alpha: Float = 0.5
    /// Map values below this stay uncoloured (nil colours everything).
    public var threshold: Float?

    public init(colormap: Colormap = .jet, alpha: Float = 0.5, threshold: Float? = nil) {
        self.colormap = colormap
        self.alpha = alpha
        self.threshold = threshold
    }

    /// The overlay; `map` is photo-sized with values in [0, 1] (negative = outside the model's view).
    public func render(photo: RGBImage, map: [Float]) -> RGBImage {
        let table = colormap.table
        var out = photo.pixels
        let a = alpha
        for i in 0..<(photo.width * photo.height) {
            let v = map[i]
            if v < 0 { continue }
            if let t = threshold, v < t { continue }
            let idx = Colormap.index(v) * 3
            for c in 0..<3 {
                let blended = (1 - a) * Float(photo.pixels[i * 3 + c]) + a * Float(table[idx + c])
                out[i * 3 + c] = UInt8(min(max(blended + 0.5, 0), 255))
            }
        }
        return RGBImage(width: photo.width, height: photo.height, pixels: out)
    }

    /// Draws a rectangle outline (inclusive corners) in place.
    public static func drawBox(_ image: inout RGBImage, box: [Int], color: (UInt8, UInt8, UInt8) = (255, 255, 255), thickness: Int = 2) {
        guard box.count == 4 else { return }
        let w = image.width, h = image.height
        func put(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            let i = (y * w + x) * 3
            image.pixels[i] = color.0; image.pixels[i + 1] = color.1; image.pixels[i + 2] = color.2
        }
        for t in 0..<thickness {
            for x in box[0]...max(box[0], box[2]) { put(x, box[1] + t); put(x, box[3] - t) }
            for y in box[1]...max(box[1], box[3]) { put(box[0] + t, y); put(box[2] - t, y) }
        }
    }
}
