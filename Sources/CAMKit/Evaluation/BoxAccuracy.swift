/// Localisation metrics of Choe et al., CVPR 2020, "Evaluating Weakly Supervised Object
/// Localization Methods Right" (MaxBoxAccV2), in the variant docs/eval.md pins down: maps are
/// quantised to 8 bits as in their wsolevaluation code, thresholds are i/100, a pixel is
/// foreground when strictly above the threshold, and the boxes at a threshold are those of all
/// 8-connected components. Boxes are inclusive [x0, y0, x1, y1].
public enum BoxAccuracy {
    /// Map thresholds t_i = i·0.01, i = 0…99.
    public static let thresholds: [Double] = (0..<100).map { Double($0) * 0.01 }
    /// IoU levels δ averaged by MaxBoxAccV2.
    public static let deltas: [Double] = [0.3, 0.5, 0.7]

    /// IoU of two inclusive boxes.
    public static func iou(_ a: Box, _ b: Box) -> Double {
        let iw = min(a.x1, b.x1) - max(a.x0, b.x0) + 1, ih = min(a.y1, b.y1) - max(a.y0, b.y0) + 1
        guard iw > 0, ih > 0 else { return 0 }
        let inter = Double(iw * ih)
        let areaA = Double(a.width * a.height), areaB = Double(b.width * b.height)
        return inter / (areaA + areaB - inter)
    }

    /// Bounding boxes of all 8-connected components of `foreground`.
    static func componentBoxes(_ foreground: [Bool], width w: Int, height h: Int) -> [Box] {
        var seen = [Bool](repeating: false, count: w * h)
        var stack: [Int] = []
        var boxes: [Box] = []
        for start in 0..<(w * h) where foreground[start] && !seen[start] {
            seen[start] = true
            stack.append(start)
            var x0 = w, y0 = h, x1 = -1, y1 = -1
            while let p = stack.popLast() {
                let px = p % w, py = p / w
                x0 = min(x0, px); x1 = max(x1, px); y0 = min(y0, py); y1 = max(y1, py)
                for ny in max(py - 1, 0)...min(py + 1, h - 1) {
                    for nx in max(px - 1, 0)...min(px + 1, w - 1) {
                        let q = ny * w + nx
                        if foreground[q] && !seen[q] { seen[q] = true; stack.append(q) }
                    }
                }
            }
            boxes.append(Box(x0: x0, y0: y0, x1: x1, y1: y1))
        }
        return boxes
    }

    /// Best IoU between any component box and any ground-truth box, at each threshold, for a map
    /// with values in [0, 1] (values outside are clipped; the -1 of "outside the model's view" is 0).
    public static func bestIoUs(map: [Float], width w: Int, height h: Int, truth: [Box]) -> [Double] {
        let q = map.map { UInt8(max(0, min(255, (Double($0) * 255).rounded(.down)))) }
        let qmax = Double(q.max() ?? 0)
        return thresholds.map { t in
            let cut = UInt8(Int(t * qmax))
            let boxes = componentBoxes(q.map { $0 > cut }, width: w, height: h)
            var best = 0.0
            for b in boxes { for g in truth { best = max(best, iou(b, g)) } }
            return best
        }
    }

    /// The sweep over a set of images: BoxAcc(δ, t) for each δ, its maximum over t, and
    /// MaxBoxAccV2 = the mean of those maxima, in percent.
    public struct Sweep: Sendable, Equatable {
        /// deltas.count rows of thresholds.count accuracies in [0, 1].
        public var boxAccuracy: [[Double]]
        public var best: [Double]
        public var bestThreshold: [Double]
        public var maxBoxAccV2: Double
    }

    public static func sweep(_ bestIoUs: [[Double]]) -> Sweep {
        let n = Double(max(bestIoUs.count, 1))
        let rows = deltas.map { delta in thresholds.indices.map { i in Double(bestIoUs.filter { $0[i] >= delta }.count) / n } }
        let best = rows.map { $0.max() ?? 0 }
        let at = rows.map { row in thresholds[row.firstIndex(of: row.max() ?? 0) ?? 0] }
        return Sweep(boxAccuracy: rows, best: best, bestThreshold: at, maxBoxAccV2: 100 * best.reduce(0, +) / Double(deltas.count))
    }
}
