#if canImport(Glibc)
import Glibc
#endif

/// Backward rules of softmax and layer normalisation.
enum NormalizationVJP {
    /// Softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − softmax·Σ dy (softmax = e^y).
    static func softmax(_ dy: UnsafePointer<Float>, y: UnsafePointer<Float>, outer: Int, axis: Int, inner: Int, log: Bool,
                        into dx: UnsafeMutablePointer<Float>) {
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * axis * inner + i
                var dot: Float = 0
                for a in 0..<axis { let j = base + a * inner; dot += log ? dy[j] : dy[j] * y[j] }
                for a in 0..<axis {
                    let j = base + a * inner
                    dx[j] += log ? dy[j] - expf(y[j]) * dot : y[j] * (dy[j] - dot)
                }
            }
        }
    }

    /// With x̂ = (x − μ)/σ and g = dy·scale: dx = (g − mean(g) − x̂·mean(g·x̂))/σ, in double as the
    /// forward pass sums.
    static func layerNorm(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int, size: Int, epsilon: Float, scale: [Float],
                          into dx: UnsafeMutablePointer<Float>) {
        var xhat = [Double](repeating: 0, count: size), g = [Double](repeating: 0, count: size)
        for r in 0..<rows {
            let xr = x + r * size, dyr = dy + r * size, dxr = dx + r * size
            let (mean, inverse) = Reduce.rowStatistics(xr, size: size, epsilon: epsilon)
            var meanG = 0.0, meanGX = 0.0
            for i in 0..<size {
                xhat[i] = (Double(xr[i]) - mean) * inverse
                g[i] = Double(dyr[i]) * Double(scale[i])
                meanG += g[i]
                meanGX += g[i] * xhat[i]
            }
            meanG /= Double(size)
            meanGX /= Double(size)
            for i in 0..<size { dxr[i] += Float((g[i] - meanG - xhat[i] * meanGX) * inverse) }
        }
    }
}
