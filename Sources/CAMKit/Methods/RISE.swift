#if canImport(Glibc)
import Glibc
#endif
import Inference

/// RISE (Petsiuk et al., BMVC 2018): N masks, each a random grid of s×s cells kept with
/// probability p, upsampled bilinearly to (s + 1) cells of ⌈H/s⌉×⌈W/s⌉ pixels and cut at a
/// random shift of less than one cell; the map is Σ_i P(c | x ⊙ M_i)·M_i / (N·p), with
/// P the softmax of the logits. As the authors' code, except that the upsampling clamps at the
/// edges (cv2.resize's INTER_LINEAR, camkit's `MapUpsampler`) where theirs reflects
/// (skimage's mode="reflect"). Masks come from a seeded SplitMix64 in a fixed order, so a run
/// is reproducible and the reference script can draw the same masks: per mask the s² cells
/// (row-major; a cell is kept when its draw is below p), then the row shift, then the column
/// shift (⌊u·cell⌋).
enum RISE {
    /// The masks in draw order, one at a time (a thousand masks of a 224×352 input would be
    /// 315 MB at once).
    struct Masks {
        var rng: GaussianNoise
        let s: Int, p: Float, h: Int, w: Int
        let cellH: Int, cellW: Int, upH: Int, upW: Int

        init(cells s: Int, keep p: Float, height h: Int, width w: Int, seed: UInt64) {
            rng = GaussianNoise(seed: seed)
            self.s = s; self.p = p; self.h = h; self.w = w
            cellH = (h + s - 1) / s
            cellW = (w + s - 1) / s
            upH = (s + 1) * cellH
            upW = (s + 1) * cellW
        }

        mutating func next() -> [Float] {
            let grid = (0..<(s * s)).map { _ in rng.uniform() < Double(p) ? Float(1) : 0 }
            let dy = Int(rng.uniform() * Double(cellH)), dx = Int(rng.uniform() * Double(cellW))
            let up = MapUpsampler.resize(grid, width: s, height: s, toWidth: upW, height: upH)
            var mask = [Float](repeating: 0, count: h * w)
            for y in 0..<h { for x in 0..<w { mask[y * w + x] = up[(y + dy) * upW + x + dx] } }
            return mask
        }
    }

    /// The map of class `c`. The masked inputs' logits do not depend on the class: they are run
    /// once per photo and kept in `cache` (N × classes floats) for its other classes; the masks
    /// are drawn again from the seed to weight them.
    static func map(_ x: Tensor, classIndex c: Int, options: PixelAttribution.Options, batchSize: Int,
                    cache: PixelAttribution.ScoreCache = .init(), logits: (Tensor) throws -> [[Float]]) throws -> ClassActivationMap {
        let h = x.shape[2], w = x.shape[3], plane = h * w
        var drawn = Masks(cells: options.riseCells, keep: options.riseKeep, height: h, width: w, seed: options.seed)
        let scores = try cache.scores(of: x, count: options.riseMasks, batchSize: batchSize, logits: logits) { _, input in
            let m = drawn.next()
            for ch in 0..<3 { for i in 0..<plane { input[ch * plane + i] *= m[i] } }
        }
        var source = Masks(cells: options.riseCells, keep: options.riseKeep, height: h, width: w, seed: options.seed)
        var sum = [Double](repeating: 0, count: plane)
        for s in scores {
            let m = source.next()
            let top = s.max() ?? 0
            let e = s.map { Double(expf($0 - top)) }
            let probability = e[c] / e.reduce(0, +)
            for i in 0..<plane { sum[i] += probability * Double(m[i]) }
        }
        let scale = 1 / (Double(options.riseMasks) * Double(options.riseKeep))
        return ClassActivationMap(width: w, height: h, values: sum.map { Float($0 * scale) })
    }
}
