/// The CAM paper's box: threshold the map at τ·max, keep the largest 8-connected component,
/// and take its bounding box; also the peak.
public struct Localisation: Sendable, Equatable, Codable {
    /// [x0, y0, x1, y1], inclusive, in photo pixels; nil for a flat map.
    public var box: Box?
    /// [x, y] of the maximum.
    public var peak: [Int]?

    public static func find(map: [Float], width w: Int, height h: Int, threshold tau: Float) -> Localisation {
        // The first maximum above -1 (the mark for points outside the model's view): the
        // maximum in a loop that vectorises, then its first index.
        let (best, peakIndex) = map.withUnsafeBufferPointer { m -> (Float, Int) in
            var top: Float = -1
            for v in m { top = v > top ? v : top }
            return top > -1 ? (top, m.firstIndex(of: top)!) : (-1, -1)
        }
        guard peakIndex >= 0, best > 0 else { return Localisation(box: nil, peak: nil) }
        let cut = tau * best
        let components = Components(map: map, width: w, height: h, cut: cut)
        return Localisation(box: components.largestBox, peak: [peakIndex % w, peakIndex / w])
    }
}

/// 8-connected components of the pixels ≥ a cut, labelled run by run: each row's runs are
/// joined (union-find) to the runs of the row above that touch them, diagonals included. The
/// work is a compare per pixel and a step per run, where a pixel flood fill pushes and pops
/// every pixel (this is the overlay's largest stage after PNG encoding, at full photo size).
struct Components {
    private var starts: [Int32] = [], ends: [Int32] = [], rows: [Int32] = []
    private var parent: [Int32] = []

    init(map: [Float], width w: Int, height h: Int, cut: Float) {
        var previous = 0..<0
        map.withUnsafeBufferPointer { m in
            for y in 0..<h {
                let row = m.baseAddress! + y * w
                let first = starts.count
                var x = 0
                while x < w {
                    // NaN is below every cut (`<` would let a NaN start an empty run forever).
                    if !(row[x] >= cut) { x += 1; continue }
                    let s = x
                    while x < w && row[x] >= cut { x += 1 }
                    starts.append(Int32(s)); ends.append(Int32(x)); rows.append(Int32(y))
                    parent.append(Int32(parent.count))
                }
                let current = first..<starts.count
                // Runs [s, e) on adjacent rows touch (8-connected) when s_a ≤ e_b and s_b ≤ e_a.
                var a = previous.lowerBound
                for b in current {
                    while a < previous.upperBound && ends[a] < starts[b] { a += 1 }
                    var k = a
                    while k < previous.upperBound && starts[k] <= ends[b] {
                        union(k, b)
                        k += 1
                    }
                }
                previous = current
            }
        }
    }

    private mutating func root(_ i: Int) -> Int {
        var r = i
        while Int(parent[r]) != r { r = Int(parent[r]) }
        var j = i
        while Int(parent[j]) != r { let next = Int(parent[j]); parent[j] = Int32(r); j = next }
        return r
    }

    /// Joins two runs' components under the earlier run (the component's first in raster order).
    private mutating func union(_ a: Int, _ b: Int) {
        let ra = root(a), rb = root(b)
        if ra == rb { return }
        if ra < rb { parent[rb] = Int32(ra) } else { parent[ra] = Int32(rb) }
    }

    /// The bounding box of the largest component (ties: the one met first in raster order, as
    /// a flood fill started from each unvisited pixel in order finds them).
    var largestBox: Box? {
        var copy = self
        var size: [Int: Int] = [:], box: [Int: Box] = [:]
        for i in starts.indices {
            let r = copy.root(i)
            let x0 = Int(starts[i]), x1 = Int(ends[i]) - 1, y = Int(rows[i])
            size[r, default: 0] += x1 - x0 + 1
            if let b = box[r] {
                box[r] = Box(x0: min(b.x0, x0), y0: min(b.y0, y), x1: max(b.x1, x1), y1: max(b.y1, y))
            } else {
                box[r] = Box(x0: x0, y0: y, x1: x1, y1: y)
            }
        }
        // Roots are each component's earliest run, so smaller roots come first in raster order.
        guard let best = size.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) else { return nil }
        return box[best.key]
    }
}
