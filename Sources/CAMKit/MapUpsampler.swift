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

    /// The map at the photo's resolution: feature grid → model input → photo through `geometry`.
    /// Photo pixels outside the model's view (crop mode) get -1. Separable: each photo row first
    /// blends two model-input rows, then samples that row at every column.
    public static func toPhoto(_ map: [Float], width w: Int, height h: Int, geometry g: Geometry) -> [Float] {
        let input = resize(map, width: w, height: h, toWidth: g.inputWidth, height: g.inputHeight)
        if g.isIdentity { return input }
        let pw = g.photoWidth, ph = g.photoHeight, iw = g.inputWidth, ih = g.inputHeight
        var out = [Float](repeating: -1, count: pw * ph)
        var x0 = [Int](repeating: 0, count: pw), x1 = x0
        var fx = [Float](repeating: 0, count: pw)
        var inside = [Bool](repeating: false, count: pw)
        for x in 0..<pw {
            let u = g.inputX(photoX: Double(x))
            (x0[x], x1[x], fx[x]) = tap(u, iw)
            inside[x] = u >= -0.5 && u <= Double(iw) - 0.5
        }
        var row = [Float](repeating: 0, count: iw)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<ph {
                    let v = g.inputY(photoY: Double(y))
                    guard v >= -0.5 && v <= Double(ih) - 0.5 else { continue }
                    let (y0, y1, fy) = tap(v, ih)
                    let top = src.baseAddress! + y0 * iw, bottom = src.baseAddress! + y1 * iw
                    for i in 0..<iw { row[i] = top[i] * (1 - fy) + bottom[i] * fy }
                    let d = dst.baseAddress! + y * pw
                    for x in 0..<pw where inside[x] {
                        d[x] = row[x0[x]] * (1 - fx[x]) + row[x1[x]] * fx[x]
                    }
                }
            }
        }
        return out
    }
}
