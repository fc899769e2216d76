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

    /// The overlay of a map placed on the photo, blended a row at a time in integers.
    public func render(photo: RGBImage, map: PhotoMap) -> RGBImage {
        let table = colormap.table
        let w = photo.width, h = photo.height
        var out = photo.pixels
        let a = Int32((min(max(alpha, 0), 1) * 256).rounded()), keep = 256 - a
        // The colour's share of each blend, with the rounding term, precomputed per table entry.
        let heat = table.map { Int32($0) * a + 128 }
        let cut = threshold ?? -0.5
        let columns = map.columns(width: w)
        var scratch = [Float](repeating: 0, count: map.geometry.inputWidth)
        var values = [Float](repeating: 0, count: w)
        var indices = [Int32](repeating: 0, count: w)
        heat.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { dst in
                values.withUnsafeMutableBufferPointer { v in
                    indices.withUnsafeMutableBufferPointer { ix in
                        for y in 0..<h {
                            map.row(y, height: h, columns: columns, scratch: &scratch, into: v.baseAddress!)
                            // Table offsets for the row (-1: left uncoloured), in a loop of its
                            // own that vectorises; the blend below is then gathers and integers.
                            for x in 0..<w {
                                let value = v[x]
                                ix[x] = value < 0 || value < cut ? -1 : Int32(Colormap.index(value) * 3)
                            }
                            let row = dst.baseAddress! + y * w * 3
                            for x in 0..<w {
                                let idx = Int(ix[x])
                                if idx < 0 { continue }
                                let p = row + x * 3
                                p[0] = UInt8(truncatingIfNeeded: (Int32(p[0]) * keep + t[idx]) >> 8)
                                p[1] = UInt8(truncatingIfNeeded: (Int32(p[1]) * keep + t[idx + 1]) >> 8)
                                p[2] = UInt8(truncatingIfNeeded: (Int32(p[2]) * keep + t[idx + 2]) >> 8)
                            }
                        }
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
