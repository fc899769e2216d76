@testable import Inference
import Testing
import TestSupport

/// Products large enough to be split over the threads give the same bits on any thread count:
/// `MatrixMultiply.columnBlocks` cuts by the shape alone, because OpenBLAS's sums depend on a
/// call's shape (on its Haswell and Zen kernels; equal shares per thread passed this test only on
/// SkylakeX machines, and failed it on an AVX2-only AMD EPYC).
@Suite("thread invariance of split products")
struct ThreadInvarianceTests {
    static func values(_ count: Int, _ seed: Int) -> [Float] {
        (0..<count).map { Float(($0 &* 2_654_435_761 &+ seed) % 2001) / 1000 - 1 }
    }

    /// ViT-B/16's projections and MLP (m·n·k well over the split threshold), plain and with B
    /// transposed as a linear layer stores it, with a bias row.
    @Test(arguments: [(197, 768, 2304, false), (197, 3072, 768, false), (197, 768, 768, true), (100, 640, 1000, true)])
    func splitProductsMatchOneCall(_ m: Int, _ k: Int, _ n: Int, _ transB: Bool) {
        #expect(MatrixMultiply.columnBlocks(m: m, n: n, k: k).count >= 2, "the product is not split: the test checks nothing")
        let a = Self.values(m * k, 1), b = Self.values(k * n, 2), bias = Self.values(n, 3)
        func product(_ threads: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: m * n)
            MatrixMultiply.gemm(a: a, b: b, c: bias, cShape: [n], m: m, n: n, k: k, alpha: 1, beta: 1, transA: false, transB: transB,
                                into: &y, threads: threads)
            return y
        }
        let one = product(1)
        for threads in [2, 3, 4] { #expect(product(threads) == one, "\(threads) threads") }
        // And the product is right: a few elements against a sum in double.
        for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, n / 3)] {
            var sum = Double(bias[j])
            for p in 0..<k { sum += Double(a[i * k + p]) * Double(transB ? b[j * k + p] : b[p * n + j]) }
            // Measured: ≤ 1e-5 relative (float sums of up to 3072 terms); bound 1e-4.
            #expect(within(abs(Double(one[i * n + j]) - sum) / max(1, abs(sum)), 1e-4, "split.product.\(m)x\(k)x\(n)"))
        }
    }

    @Test func smallProductsAreNeverSplit() {
        #expect(MatrixMultiply.columnBlocks(m: 65, n: 32, k: 32) == [0..<32])
        #expect(MatrixMultiply.columnBlocks(m: 65, n: 1000, k: 64) == [0..<1000])
        #expect(MatrixMultiply.columnBlocks(m: 197, n: 700, k: 768) == [0..<700])
        // ViT-B/16's QKV projection: six blocks of 384 whatever the threads.
        #expect(MatrixMultiply.columnBlocks(m: 197, n: 2304, k: 768) == (0..<6).map { $0 * 384..<($0 + 1) * 384 })
    }
}
