import CPixelKernels
import ImageIO
import Inference

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

    /// The overlay of a map placed on the photo, blended a row at a time in integers (the blend
    /// in C, `camkit_px_blend_row`, with the vector loops of `level`; every level the same bytes).
    public func render(photo: RGBImage, map: PhotoMap, level: PixelLevel = PixelLevel(.active)) -> RGBImage {
        let w = photo.width, h = photo.height
        var out = photo.pixels
        let a = Int32((min(max(alpha, 0), 1) * 256).rounded()), keep = 256 - a
        // The colour's share of each blend, with the rounding term, precomputed per table entry.
        let heat = colormap.table.map { Int32($0) * a + 128 }
        let cut = threshold ?? -0.5
        heat.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { dst in
                func blend(_ y: Int, _ values: UnsafePointer<Float>) {
                    camkit_px_blend_row(level.rawValue, dst.baseAddress! + y * w * 3, values, w, t.baseAddress!, keep, cut)
                }
                if let full = map.photoSized {
                    // The box search sampled the map at this size already.
                    full.withUnsafeBufferPointer { v in for y in 0..<h { blend(y, v.baseAddress! + y * w) } }
                    return
                }
                let columns = map.columns(width: w)
                var scratch = [Float](repeating: 0, count: map.geometry.inputWidth)
                var values = [Float](repeating: 0, count: w)
                values.withUnsafeMutableBufferPointer { v in
                    for y in 0..<h {
                        map.row(y, height: h, columns: columns, scratch: &scratch, into: v.baseAddress!)
                        blend(y, v.baseAddress!)
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Draws a rectangle outline (inclusive corners) in place.
    public static func drawBox(_ image: inout RGBImage, box: Box, color: (UInt8, UInt8, UInt8) = (255, 255, 255), thickness: Int = 2) {
        let w = image.width, h = image.height
        func put(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            let i = (y * w + x) * 3
            image.pixels[i] = color.0; image.pixels[i + 1] = color.1; image.pixels[i + 2] = color.2
        }
        for t in 0..<thickness {
            for x in box.x0...max(box.x0, box.x1) { put(x, box.y0 + t); put(x, box.y1 - t) }
            for y in box.y0...max(box.y0, box.y1) { put(box.x0 + t, y); put(box.x1 - t, y) }
        }
    }
}
