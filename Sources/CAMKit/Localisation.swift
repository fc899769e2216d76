/// The CAM paper's box: threshold the map at τ·max, keep the largest 8-connected component,
/// and take its bounding box; also the peak.
public struct Localisation: Sendable, Equatable, Codable {
    /// [x0, y0, x1, y1], inclusive, in photo pixels; nil for a flat map.
    public var box: Box?
    /// [x, y] of the maximum.
    public var peak: [Int]?

    public static func find(map: [Float], width w: Int, height h: Int, threshold tau: Float) -> Localisation {
        var best: Float = -1, peakIndex = -1
        for i in 0..<map.count where map[i] > best { best = map[i]; peakIndex = i }
        guard peakIndex >= 0, best > 0 else { return Localisation(box: nil, peak: nil) }
        let cut = tau * best
        var bestBox: Box? = nil, bestSize = 0
        // Flood fill over raw buffers: visited flags and an explicit stack sized for the worst case.
        var visited = [Bool](repeating: false, count: w * h)
        var stack = [Int32](repeating: 0, count: w * h)
        map.withUnsafeBufferPointer { m in
            visited.withUnsafeMutableBufferPointer { seen in
                stack.withUnsafeMutableBufferPointer { st in
                    for start in 0..<(w * h) where !seen[start] && m[start] >= cut {
                        seen[start] = true
                        var top = 0
                        st[top] = Int32(start); top += 1
                        var size = 0, x0 = w, y0 = h, x1 = -1, y1 = -1
                        while top > 0 {
                            top -= 1
                            let p = Int(st[top])
                            size += 1
                            let px = p % w, py = p / w
                            if px < x0 { x0 = px }
                            if px > x1 { x1 = px }
                            if py < y0 { y0 = py }
                            if py > y1 { y1 = py }
                            let yLo = max(py - 1, 0), yHi = min(py + 1, h - 1), xLo = max(px - 1, 0), xHi = min(px + 1, w - 1)
                            for ny in yLo...yHi {
                                for nx in xLo...xHi {
                                    let q = ny * w + nx
                                    if !seen[q] && m[q] >= cut { seen[q] = true; st[top] = Int32(q); top += 1 }
                                }
                            }
                        }
                        if size > bestSize { bestSize = size; bestBox = Box(x0: x0, y0: y0, x1: x1, y1: y1) }
                    }
                }
            }
        }
        return Localisation(box: bestBox, peak: [peakIndex % w, peakIndex / w])
    }
}
