import CBLAS

/// Gemm (Y = alpha·A'·B' + beta·C) and NumPy-style batched MatMul through OpenBLAS sgemm.
public enum MatrixMultiply {
    /// A is [M,K] (or [K,M] with transA), B is [K,N] (or [N,K] with transB); C broadcasts to [M,N].
    public static func gemm(a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafePointer<Float>?, cShape: [Int],
                            m: Int, n: Int, k: Int, alpha: Float, beta: Float, transA: Bool, transB: Bool,
                            into y: UnsafeMutablePointer<Float>, threads: Int = 1) {
        var betaBlas: Float = 0
        if let c, beta != 0 {
            if cShape.elementCount == n, cShape.last == n {
                // A bias row (the usual C): copied to every row, then scaled if beta says so.
                for r in 0..<m { (y + r * n).update(from: c, count: n) }
                if beta != 1 { for i in 0..<(m * n) { y[i] *= beta } }
            } else {
                var scale = beta
                Broadcast.apply(c, cShape, &scale, [1], into: y, outShape: [m, n], *)
            }
            betaBlas = 1
        }
        if m == 1 {
            // One row (a classifier on one photo): matrix-vector products, which OpenBLAS runs at
            // memory speed where its sgemm packs the whole weight matrix first. Outputs go in
            // fixed blocks of columns whatever the thread count, so results never depend on it.
            let blocks = stride(from: 0, to: n, by: gemvBlock).map { $0..<Swift.min($0 + gemvBlock, n) }
            let workers = Swift.min(Swift.max(threads, 1), blocks.count)
            Conv2D.parallel(workers) { worker in
                for i in stride(from: worker, to: blocks.count, by: workers) {
                    let cols = blocks[i], count = Int32(cols.count)
                    if transB {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, count, Int32(k), alpha, b + cols.lowerBound * k, Int32(k), a, 1,
                                    betaBlas, y + cols.lowerBound, 1)
                    } else {
                        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), count, alpha, b + cols.lowerBound, Int32(n), a, 1,
                                    betaBlas, y + cols.lowerBound, 1)
                    }
                }
            }
            return
        }
        // Fixed blocks of output columns, one sgemm call each (OpenBLAS runs single-threaded);
        // workers take whole blocks, so results never depend on the thread count.
        let blocks = columnBlocks(m: m, n: n, k: k)
        let workers = Swift.min(Swift.max(threads, 1), blocks.count)
        Conv2D.parallel(workers) { worker in
            for i in stride(from: worker, to: blocks.count, by: workers) {
                let cols = blocks[i]
                let bCols = transB ? b + cols.lowerBound * k : b + cols.lowerBound
                cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(cols.count), Int32(k), alpha, a, Int32(transA ? m : k), bCols, Int32(transB ? k : n),
                            betaBlas, y + cols.lowerBound, Int32(n))
            }
        }
    }

    /// Output columns per sgemm call in a product worth splitting.
    static let columnBlock = 384

    /// The product's column blocks: `columnBlock` columns each (the last may be narrower), or the
    /// whole product in one call when it has fewer than two blocks or a block would fall under
    /// m·columnBlock·k = 2²³ (too little work to share). The blocks depend on the shape alone,
    /// never on the thread count, because OpenBLAS's sums do depend on a call's shape: on its
    /// Haswell and Zen kernels the last columns of a call, and rows past a multiple of 12, are
    /// summed in another order than inside a wider or taller call (measured with a C probe on
    /// 197×3072×768: two 384-column calls differ from one call in 7,399 elements). Equal shares
    /// per thread were bit-identical only on the SkylakeX kernel. `ThreadInvarianceTests`
    /// checks 1–4 threads; one thread pays 2–5 % for the extra calls on ViT-B/16's products
    /// (Zen kernel, 384-column blocks against one call).
    static func columnBlocks(m: Int, n: Int, k: Int) -> [Range<Int>] {
        guard n >= 2 * columnBlock, Double(m) * Double(columnBlock) * Double(k) >= 8_388_608 else { return [0..<n] }
        return stride(from: 0, to: n, by: columnBlock).map { $0..<Swift.min($0 + columnBlock, n) }
    }

    /// Output columns per matrix-vector call (fixed, so results do not depend on the thread count).
    static let gemvBlock = 256

    /// MatMul output shape with NumPy rules (1-D operands promoted, batch dims broadcast).
    public static func matMulShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else { return nil }
        guard let batch = Broadcast.shape(Array(a2.dropLast(2)), Array(b2.dropLast(2))) else { return nil }
        var out = batch + [a2[a2.count - 2], b2[b2.count - 1]]
        if b.count == 1 { out.removeLast() }
        if a.count == 1 { out.remove(at: out.count - (b.count == 1 ? 1 : 2)) }
        return out
    }

    public static func matMul(a: UnsafePointer<Float>, aShape: [Int], b: UnsafePointer<Float>, bShape: [Int], into y: UnsafeMutablePointer<Float>,
                              threads: Int = 1) {
        let a2 = aShape.count == 1 ? [1, aShape[0]] : aShape
        let b2 = bShape.count == 1 ? [bShape[0], 1] : bShape
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let batch = Broadcast.shape(aBatch, bBatch) ?? []
        let batchCount = batch.elementCount
        if bBatch.elementCount == 1 && aBatch.elementCount == batchCount {
            // One B for every batch of A (a linear layer on tokens, [L, N, C] × [C, D]): A's
            // batches are rows of one product, B packed once per row block instead of per batch.
            gemm(a: a, b: b, c: nil, cShape: [], m: batchCount * m, n: n, k: k, alpha: 1, beta: 0, transA: false, transB: false,
                 into: y, threads: m * batchCount == 1 ? 1 : threads)
            return
        }
        let sa = Broadcast.strides(of: aBatch, in: batch), sb = Broadcast.strides(of: bBatch, in: batch)
        let workers = Swift.min(Swift.max(threads, 1), batchCount)
        Conv2D.parallel(workers) { worker in
        for i in stride(from: worker, to: batchCount, by: workers) {
            var rem = i, offA = 0, offB = 0
            for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                let idx = rem % batch[axis]
                rem /= batch[axis]
                offA += idx * sa[axis]
                offB += idx * sb[axis]
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                        a + offA * m * k, Int32(k), b + offB * k * n, Int32(n), 0, y + i * m * n, Int32(n))
        }
        }
    }
}
