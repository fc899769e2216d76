import ImageIO

/// Bilinear resampling of maps with half-pixel centres (`align_corners=False`), identical to
/// OpenCV INTER_LINEAR and PyTorch `F.interpolate(mode="bilinear")` when upsampling.
public enum MapUpsampler {
    /// Resizes a w×h map to outW×outH.
    public static func resize(_ map: [Float], width w: Int, height h: Int, toWidth outW: Int, height outH: Int) -> [Float] {
        var out = [Float](repeating: 0, count: outW * outH)
        let sx = Double(w) / Double(outW), sy = Double(h) / Double(outH)
        let xs = (0..<outW).map { tap((Double($0) + 0.5) * sx - 0.5, w) }
        for y in 0..<outH {
            let (y0, y1, fy) = tap((Double(y) + 0.5) * sy - 0.5, h)
            for x in 0..<outW {
                let (x0, x1, fx) = xs[x]
                let top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx
                let bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx
                out[y * outW + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    /// Neighbour indices and weight for a source coordinate, clamped at the edges.
    @inline(__always) static func tap(_ coordinate: Double, _ n: Int) -> (Int, Int, Float) {
        let c = max(coordinate, 0)
        let i0 = min(Int(c), n - 1)
        let i1 = min(i0 + 1, n - 1)
        return (i0, i1, Float(c - Double(i0)))
    }

    /// The map at the photo's resolution (feature grid → model input → photo through `geometry`);
    /// -1 outside the model's view.
    public static func toPhoto(_ map: [Float], width w: Int, height h: Int, geometry g: Geometry) -> [Float] {
        PhotoMap(normalized: map, width: w, height: h, geometry: g).sampled(width: g.photoWidth, height: g.photoHeight)
    }
}
