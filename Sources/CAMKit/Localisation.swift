/// The CAM paper's box: threshold the map at τ·max, keep the largest 8-connected component,
/// and take its bounding box; also the peak.
public struct Localisation: Sendable, Equatable, Codable {
    /// [x0, y0, x1, y1], inclusive, in photo pixels; nil for a flat map.
    public var box: [Int]?
    /// [x, y] of the maximum.
    public var peak: [Int]?

    public static func find(map: [Float], width w: Int, height h: Int, threshold tau: Float) -> Localisation {
        var best: Float = -1, peakIndex = -1
        for i in 0..<map.count where map[i] > best { best = map[i]; peakIndex = i }
        guard peakIndex >= 0, best > 0 else { return Localisation(box: nil, peak: nil) }
        let cut = tau * best
        var label = [Int32](repeating: 0, count: w * h)
        var bestBox: [Int]? = nil, bestSize = 0
        var stack: [Int] = []
        var next: Int32 = 0
        for start in 0..<(w * h) where label[start] == 0 && map[start] >= cut {
            next += 1
            label[start] = next
            stack.append(start)
            var size = 0, x0 = w, y0 = h, x1 = -1, y1 = -1
            while let p = stack.popLast() {
                size += 1
                let px = p % w, py = p / w
                x0 = min(x0, px); x1 = max(x1, px); y0 = min(y0, py); y1 = max(y1, py)
                for dy in -1...1 {
                    let ny = py + dy
                    if ny < 0 || ny >= h { continue }
                    for dx in -1...1 {
                        let nx = px + dx
                        if nx < 0 || nx >= w || (dx == 0 && dy == 0) { continue }
                        let q = ny * w + nx
                        if label[q] == 0 && map[q] >= cut { label[q] = next; stack.append(q) }
                    }
                }
            }
            if size > bestSize { bestSize = size; bestBox = [x0, y0, x1, y1] }
        }
        return Localisation(box: bestBox, peak: [peakIndex % w, peakIndex / w])
    }
}
