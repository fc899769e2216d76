import CBLAS

/// Eigen-CAM: the feature maps as h·w observations of K channels, centred per channel; the map
/// is their projection on the first principal component. Also `--eigen-smooth`: the same
/// projection of the weighted channels w_k·F_k of another method.
///
/// The projection X·v₁ equals σ₁·u₁, with u₁ the top eigenvector of the n×n Gram matrix X·Xᵀ
/// (n = h·w, usually smaller than K), so one symmetric eigenproblem (LAPACK dsyevr, from
/// OpenBLAS) replaces the SVD. The sign of a principal component is arbitrary (numpy's SVD in
/// pytorch-grad-cam returns whichever LAPACK gives, and the ReLU after it keeps one side only);
/// camkit picks the sign whose projection has a positive third moment Σ p_i³ — evidence sits on
/// few positions, so the side of the axis with the long tail is the object. (The sum rule used
/// before — positive covariance with Σ_k F_k — agrees on ReLU feature maps, but LayerNorm
/// outputs have no sign bias: on the known-answer ViT it pointed at the object in 25 % of
/// images, the skew in 100 %; see docs/methods.md.) A symmetric projection falls back to it.
enum EigenCAM {
    /// Projection of channels [K, n] (row-major) on their first principal component.
    static func projection(_ channels: [Float], count k: Int, positions n: Int) -> [Float] {
        // Centre each channel over positions, in double.
        var x = [Double](repeating: 0, count: k * n)
        for c in 0..<k {
            var mean = 0.0
            for i in 0..<n { mean += Double(channels[c * n + i]) }
            mean /= Double(n)
            for i in 0..<n { x[c * n + i] = Double(channels[c * n + i]) - mean }
        }
        // Gram matrix over positions: G[i,j] = Σ_c x[c,i]·x[c,j]  (Xᵀ X with X stored [K, n]).
        var gram = [Double](repeating: 0, count: n * n)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(k), 1, x, Int32(n), 0, &gram, Int32(n))
        guard let (lambda, u) = topEigenvector(gram, size: n), lambda > 0 else { return [Float](repeating: 0, count: n) }
        let sigma = lambda.squareRoot()
        let projection = u.map { $0 * sigma }
        let flip = signChoice(projection, channels: channels, count: k) < 0
        return projection.map { Float(flip ? -$0 : $0) }
    }

    /// The sign of the projection's third moment; where that is zero (a symmetric projection),
    /// the sign of its covariance with the summed activations Σ_k F_k.
    static func signChoice(_ projection: [Double], channels: [Float], count k: Int) -> Double {
        let n = projection.count
        let third = projection.reduce(0.0) { $0 + $1 * $1 * $1 }
        let scale = projection.reduce(0.0) { max($0, abs($1)) }
        if abs(third) > 1e-9 * scale * scale * scale * Double(n) { return third }
        var dot = 0.0
        for i in 0..<n {
            var s = 0.0
            for c in 0..<k { s += Double(channels[c * n + i]) }
            dot += s * projection[i]
        }
        return dot
    }

    /// Largest eigenvalue and its unit eigenvector of a symmetric matrix (upper triangle of a
    /// row-major matrix = lower triangle in LAPACK's column-major view).
    static func topEigenvector(_ matrix: [Double], size n: Int) -> (Double, [Double])? {
        var a = matrix
        var nn = Int32(n), lda = Int32(n), il = Int32(n), iu = Int32(n), ldz = Int32(n)
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var found: Int32 = 0, info: Int32 = 0
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n)
        var isuppz = [Int32](repeating: 0, count: 2)
        var workSize = 0.0
        var iworkSize: Int32 = 0
        var query: Int32 = -1
        // Workspace query, then the solve.
        dsyevr_("V", "I", "L", &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &isuppz,
                &workSize, &query, &iworkSize, &query, &info, 1, 1, 1)
        guard info == 0 else { return nil }
        var lwork = Int32(workSize), liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_("V", "I", "L", &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &isuppz,
                &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
        guard info == 0, found == 1 else { return nil }
        return (w[0], z)
    }
}
