/// Backward rules of the pools and reductions.
enum PoolingVJP {
    /// Sends g to the first maximum of `count` values `stride` apart (PyTorch's max pool keeps
    /// the first index on ties; so does its max reduction).
    @inline(__always) static func routeToFirstMaximum(_ g: Float, _ x: UnsafePointer<Float>, count: Int, stride: Int,
                                                      into dx: UnsafeMutablePointer<Float>) {
        var best = 0
        for i in 1..<max(count, 1) where x[i * stride] > x[best * stride] { best = i }
        if count > 0 { dx[best * stride] += g }
    }

    static func reduce(_ op: ReduceOp, _ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafePointer<Float>, shape: [Int], axes: Set<Int>,
                       into dx: UnsafeMutablePointer<Float>) {
        let reduced = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        let map = Broadcast.offsets(of: reduced, in: shape)
        let count = shape.elementCount
        switch op {
        case .sum:
            for i in 0..<count { dx[i] += dy[map[i]] }
        case .mean:
            let scale = 1 / Float(count / max(reduced.elementCount, 1))
            for i in 0..<count { dx[i] += dy[map[i]] * scale }
        case .max:
            var routed = [Bool](repeating: false, count: reduced.elementCount)
            for i in 0..<count where !routed[map[i]] && x[i] == y[map[i]] {
                routed[map[i]] = true
                dx[i] += dy[map[i]]
            }
        }
    }
}

extension Pool2D {
    /// dx += the pool's vector–Jacobian product: a max window's gradient goes to its first
    /// maximum, an average window's is shared by the elements it divided by.
    func inputGradient(_ dy: UnsafePointer<Float>, input: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        for p in 0..<planes {
            let src = input + p * inHeight * inWidth, d = dx + p * inHeight * inWidth
            let g = dy + p * outHeight * outWidth
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    let y0 = oy * strideH - padTop, x0 = ox * strideW - padLeft
                    let gv = g[oy * outWidth + ox]
                    switch kind {
                    case .max:
                        if let best = firstMaximum(src, y0: y0, x0: x0) { d[best] += gv }
                    case .average(let includePad):
                        let yLo = max(y0, 0), yHi = max(min(y0 + kernelHeight, inHeight), yLo)
                        let xLo = max(x0, 0), xHi = max(min(x0 + kernelWidth, inWidth), xLo)
                        var count = (yHi - yLo) * (xHi - xLo)
                        if includePad {
                            count = (min(y0 + kernelHeight, inHeight + padBottom) - y0) * (min(x0 + kernelWidth, inWidth + padRight) - x0)
                        }
                        guard count > 0 else { continue }
                        let share = gv / Float(count)
                        for iy in yLo..<yHi { for ix in xLo..<xHi { d[iy * inWidth + ix] += share } }
                    }
                }
            }
        }
    }
}
