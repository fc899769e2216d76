import CAMKit
import ImageIO

/// A small line chart as an RGB image: curves over x ∈ [0, 1], y ∈ [0, yMax], with axes, tick
/// labels, a title and a legend — for the threshold sweep and the deletion/insertion curves.
/// Drawn here because these two charts are all camkit plots, and the project has no plotting
/// library to lean on without Python.
public struct LinePlot {
    public struct Series {
        public var label: String
        public var y: [Double]
        public var color: (UInt8, UInt8, UInt8)
        public init(label: String, y: [Double], color: (UInt8, UInt8, UInt8)) { self.label = label; self.y = y; self.color = color }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var yMax = 1.0
    public var series: [Series] = []
    public var width = 640, height = 400

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public static let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]

    public func render() -> RGBImage {
        var image = RGBImage(width: width, height: height, pixels: [UInt8](repeating: 255, count: width * height * 3))
        let left = 60, right = width - 20, top = 56, bottom = height - 50
        let text = TextRenderer(pixelSize: 13)
        let grey: (UInt8, UInt8, UInt8) = (200, 200, 200), black: (UInt8, UInt8, UInt8) = (0, 0, 0)
        func px(_ x: Double) -> Int { left + Int((x * Double(right - left)).rounded()) }
        func py(_ y: Double) -> Int { bottom - Int((min(max(y / yMax, 0), 1) * Double(bottom - top)).rounded()) }
        for i in 0...5 {
            let f = Double(i) / 5
            line(&image, px(f), top, px(f), bottom, grey)
            line(&image, left, py(f * yMax), right, py(f * yMax), grey)
            text?.draw(String(format: "%.1f", f), into: &image, x: px(f) - 9, baseline: bottom + 16, color: black)
            text?.draw(String(format: yMax >= 10 ? "%.0f" : "%.1f", f * yMax), into: &image, x: left - 40, baseline: py(f * yMax) + 5, color: black)
        }
        line(&image, left, bottom, right, bottom, black)
        line(&image, left, top, left, bottom, black)
        text?.draw(xLabel, into: &image, x: (left + right) / 2 - (text?.width(of: xLabel) ?? 0) / 2, baseline: height - 12, color: black)
        text?.draw(yLabel, into: &image, x: 6, baseline: top - 10, color: black)
        TextRenderer(pixelSize: 16)?.draw(title, into: &image, x: left, baseline: 24, color: black)
        for s in series where s.y.count > 1 {
            let n = Double(s.y.count - 1)
            for i in 1..<s.y.count {
                let (x0, y0, x1, y1) = (px(Double(i - 1) / n), py(s.y[i - 1]), px(Double(i) / n), py(s.y[i]))
                for d in -1...1 { line(&image, x0, y0 + d, x1, y1 + d, s.color) }
            }
        }
        for (i, s) in series.enumerated() {
            let y = top + 14 + i * 18, x = right - 190
            for d in -1...1 { line(&image, x, y - 4 + d, x + 24, y - 4 + d, s.color) }
            text?.draw(s.label, into: &image, x: x + 30, baseline: y, color: black)
        }
        return image
    }

    /// Bresenham line, clipped to the image.
    func line(_ image: inout RGBImage, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: (UInt8, UInt8, UInt8)) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            if x >= 0, x < image.width, y >= 0, y < image.height {
                let i = (y * image.width + x) * 3
                image.pixels[i] = c.0; image.pixels[i + 1] = c.1; image.pixels[i + 2] = c.2
            }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }
}
