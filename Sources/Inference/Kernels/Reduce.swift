import CVectorMath

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
    /// the population variance; sums in double. Rows in fixed blocks over the threads.
    public static func layerNorm(_ input: UnsafePointer<Float>, rows: Int, size: Int, epsilon: Float, scale: [Float], bias: [Float],
                                 into out: UnsafeMutablePointer<Float>, threads: Int = 1) {
        let perBlock = Swift.max(1, 16384 / Swift.max(size, 1))
        let blocks = (rows + perBlock - 1) / perBlock
        let workers = Swift.min(Swift.max(threads, 1), blocks)
        scale.withUnsafeBufferPointer { scaleBuffer in bias.withUnsafeBufferPointer { biasBuffer in
            let g = scaleBuffer.baseAddress!, b = biasBuffer.baseAddress!
            Conv2D.parallel(workers) { worker in
                for block in stride(from: worker, to: blocks, by: workers) {
                    for r in (block * perBlock)..<Swift.min(rows, (block + 1) * perBlock) {
                        let x = input + r * size, y = out + r * size
                        let (mean, inverse) = rowStatistics(x, size: size, epsilon: epsilon)
                        // (x − mean)·inverse in double: a row whose spread is small beside its
                        // mean loses digits in float (measured 4e-5 against 1e-7).
                        for i in 0..<size { y[i] = Float((Double(x[i]) - mean) * inverse) * g[i] + b[i] }
                    }
                }
            }
        } }
    }

    /// Mean and 1/√(variance + ε) of one row, in double (layer normalisation and its gradient);
    /// four running sums, so the additions do not wait on each other.
    static func rowStatistics(_ x: UnsafePointer<Float>, size: Int, epsilon: Float) -> (mean: Double, inverse: Double) {
        let whole = size & ~3
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        for i in stride(from: 0, to: whole, by: 4) {
            s0 += Double(x[i]); s1 += Double(x[i + 1]); s2 += Double(x[i + 2]); s3 += Double(x[i + 3])
        }
        for i in whole..<size { s0 += Double(x[i]) }
        let mean = (s0 + s1 + s2 + s3) / Double(size)
        var q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0
        for i in stride(from: 0, to: whole, by: 4) {
            let d0 = Double(x[i]) - mean, d1 = Double(x[i + 1]) - mean, d2 = Double(x[i + 2]) - mean, d3 = Double(x[i + 3]) - mean
            q0 += d0 * d0; q1 += d1 * d1; q2 += d2 * d2; q3 += d3 * d3
        }
        for i in whole..<size { let d = Double(x[i]) - mean; q0 += d * d }
        return (mean, 1 / ((q0 + q1 + q2 + q3) / Double(size) + Double(epsilon)).squareRoot())
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
                if inner == 1 {
                    // Rows along the last axis (attention scores): vector exp per row.
                    let start = blocks[b].lowerBound * axis
                    camkit_vm_softmax_rows(CPUPath.active.vectorLevel, input + start, out + start, blocks[b].count, axis, log ? 1 : 0)
                    continue
                }
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
