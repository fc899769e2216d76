/// Reductions (mean, sum, max) over a set of axes, and softmax along one axis.
public enum Reduce {
    /// Reduces `input` of `shape` over `axes` (sorted, normalised) into `out` (keepdims layout irrelevant: same order).
    public static func run(_ op: ReduceOp, _ input: UnsafePointer<Float>, shape: [Int], axes: Set<Int>, into out: UnsafeMutablePointer<Float>) {
        let rank = shape.count
        let outShape = (0..<rank).map { axes.contains($0) ? 1 : shape[$0] }
        let outStrides = outShape.rowMajorStrides
        let outCount = outShape.elementCount
        let initial: Float = op == .max ? -Float.infinity : 0
        out.initialize(repeating: initial, count: outCount)
        let count = shape.elementCount
        var index = [Int](repeating: 0, count: rank)
        var o = 0
        for i in 0..<count {
            let v = input[i]
            if op == .max { out[o] = max(out[o], v) } else { out[o] += v }
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                if !axes.contains(axis) { o += outStrides[axis] }
                if index[axis] < shape[axis] { break }
                if !axes.contains(axis) { o -= outStrides[axis] * shape[axis] }
                index[axis] = 0
                axis -= 1
            }
        }
        if op == .mean {
            let n = Float(count / max(outCount, 1))
            for i in 0..<outCount { out[i] /= n }
        }
    }

    /// Layer normalisation of each row of `size` values: (x − mean)/√(var + ε)·scale + bias, with
    /// the population variance; sums in double.
    public static func layerNorm(_ input: UnsafePointer<Float>, rows: Int, size: Int, epsilon: Float, scale: [Float], bias: [Float],
                                 into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let x = input + r * size, y = out + r * size
            let (mean, inverse) = rowStatistics(x, size: size, epsilon: epsilon)
            for i in 0..<size { y[i] = Float((Double(x[i]) - mean) * inverse) * scale[i] + bias[i] }
        }
    }

    /// Mean and 1/√(variance + ε) of one row, in double (layer normalisation and its gradient).
    static func rowStatistics(_ x: UnsafePointer<Float>, size: Int, epsilon: Float) -> (mean: Double, inverse: Double) {
        var sum = 0.0
        for i in 0..<size { sum += Double(x[i]) }
        let mean = sum / Double(size)
        var squares = 0.0
        for i in 0..<size { let d = Double(x[i]) - mean; squares += d * d }
        return (mean, 1 / (squares / Double(size) + Double(epsilon)).squareRoot())
    }

    /// Softmax (or log-softmax) over the middle axis of an [outer, axis, inner] view.
    /// Each exponential once (kept in `out` until the sum is known); the outer rows split over
    /// the threads in fixed blocks (a row's result does not depend on them).
    public static func softmax(_ input: UnsafePointer<Float>, outer: Int, axis: Int, inner: Int, log: Bool, into out: UnsafeMutablePointer<Float>,
                               threads: Int = 1) {
        let block = Swift.max(1, 4096 / Swift.max(axis * inner, 1))
        let blocks = stride(from: 0, to: outer, by: block).map { $0..<Swift.min($0 + block, outer) }
        let workers = Swift.min(Swift.max(threads, 1), blocks.count)
        Conv2D.parallel(workers) { worker in
            for b in stride(from: worker, to: blocks.count, by: workers) {
                for o in blocks[b] {
                    for i in 0..<inner {
                        let base = o * axis * inner + i
                        var m = -Float.infinity
                        for a in 0..<axis { m = max(m, input[base + a * inner]) }
                        var sum: Float = 0
                        for a in 0..<axis {
                            let e = expf(input[base + a * inner] - m)
                            out[base + a * inner] = e
                            sum += e
                        }
                        if log {
                            let logSum = logf(sum)
                            for a in 0..<axis { out[base + a * inner] = input[base + a * inner] - m - logSum }
                        } else {
                            for a in 0..<axis { out[base + a * inner] /= sum }
                        }
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
