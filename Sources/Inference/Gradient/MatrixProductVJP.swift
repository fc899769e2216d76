import CBLAS

/// Backward rules of Gemm and MatMul: the two products with the other operand transposed,
/// accumulated (beta = 1) into the gradients by OpenBLAS.
enum MatrixProductVJP {
    /// Y = alpha·op(A)·op(B): dop(A) = alpha·dY·op(B)ᵀ, dop(B) = alpha·op(A)ᵀ·dY.
    static func gemm(_ dy: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, m: Int, n: Int, k: Int, alpha: Float,
                     transA: Bool, transB: Bool, da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        let M = Int32(m), N = Int32(n), K = Int32(k)
        let ldb = Int32(transB ? k : n), lda = Int32(transA ? m : k)
        if let da {
            if m == 1 {   // one row (a classifier's logits): dA = alpha·op(B)·dY, one pass over B with no packing
                cblas_sgemv(CblasRowMajor, transB ? CblasTrans : CblasNoTrans, transB ? N : K, transB ? K : N, alpha, b, ldb, dy, 1, 1, da, 1)
            } else if transA {   // dA [k, m] = alpha·op(B)·dYᵀ
                cblas_sgemm(CblasRowMajor, transB ? CblasTrans : CblasNoTrans, CblasTrans, K, M, N, alpha, b, ldb, dy, N, 1, da, M)
            } else {      // dA [m, k] = alpha·dY·op(B)ᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, transB ? CblasNoTrans : CblasTrans, M, K, N, alpha, dy, N, b, ldb, 1, da, K)
            }
        }
        if let db {
            if transB {   // dB [n, k] = alpha·dYᵀ·op(A)
                cblas_sgemm(CblasRowMajor, CblasTrans, transA ? CblasTrans : CblasNoTrans, N, K, M, alpha, dy, N, a, lda, 1, db, K)
            } else {      // dB [k, n] = alpha·op(A)ᵀ·dY
                cblas_sgemm(CblasRowMajor, transA ? CblasNoTrans : CblasTrans, CblasNoTrans, K, N, M, alpha, a, lda, dy, N, 1, db, N)
            }
        }
    }

    /// Batched, broadcasting MatMul: per output batch, dA += dY·Bᵀ and dB += Aᵀ·dY; a broadcast
    /// operand sums over the batches that shared it.
    static func matMul(_ dy: UnsafePointer<Float>, a: UnsafePointer<Float>, aShape: [Int], b: UnsafePointer<Float>, bShape: [Int],
                       da: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?) {
        let a2 = aShape.count == 1 ? [1, aShape[0]] : aShape
        let b2 = bShape.count == 1 ? [bShape[0], 1] : bShape
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let batch = Broadcast.shape(aBatch, bBatch) ?? []
        let offA = Broadcast.offsets(of: aBatch, in: batch), offB = Broadcast.offsets(of: bBatch, in: batch)
        let M = Int32(m), N = Int32(n), K = Int32(k)
        for i in 0..<batch.elementCount {
            let g = dy + i * m * n
            if let da {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, N, 1, g, N, b + offB[i] * k * n, N, 1, da + offA[i] * m * k, K)
            }
            if let db {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, M, 1, a + offA[i] * m * k, K, g, N, 1, db + offB[i] * k * n, N)
            }
        }
    }
}
