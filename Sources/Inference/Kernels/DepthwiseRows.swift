/// Row kernels for depthwise 3×3 and 5×5 convolutions (dilation 1, stride 1 or 2) over a
/// zero-padded plane: each call adds one kernel row's taps to a whole output row, with the taps
/// held in registers, so there is no bounds arithmetic in the loop and it vectorises at stride 1.
/// Hand-written because depthwise convolution is this project's hot loop and OpenBLAS has no
/// depthwise kernel (it is 1/3 of EfficientNet-Lite0's time in the generic path).
enum DepthwiseRows {
    @inline(__always)
    static func add3(_ d: UnsafeMutablePointer<Float>, _ r: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count n: Int, stride s: Int) {
        let w0 = w[0], w1 = w[1], w2 = w[2]
        if s == 1 {
            for x in 0..<n { d[x] += w0 * r[x] + w1 * r[x + 1] + w2 * r[x + 2] }
        } else {
            for x in 0..<n { let p = r + 2 * x; d[x] += w0 * p[0] + w1 * p[1] + w2 * p[2] }
        }
    }

    @inline(__always)
    static func add5(_ d: UnsafeMutablePointer<Float>, _ r: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count n: Int, stride s: Int) {
        let w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4]
        if s == 1 {
            for x in 0..<n { d[x] += w0 * r[x] + w1 * r[x + 1] + w2 * r[x + 2] + w3 * r[x + 3] + w4 * r[x + 4] }
        } else {
            for x in 0..<n { let p = r + 2 * x; d[x] += w0 * p[0] + w1 * p[1] + w2 * p[2] + w3 * p[3] + w4 * p[4] }
        }
    }
}

extension Conv2D {
    /// Whether the padded row kernels apply.
    var hasFastDepthwise: Bool {
        isDepthwise && kernelHeight == kernelWidth && (kernelHeight == 3 || kernelHeight == 5)
            && dilationH == 1 && dilationW == 1 && strideH == strideW && (strideH == 1 || strideH == 2)
    }

    var paddedPlaneCount: Int { (inHeight + padTop + padBottom) * (inWidth + padLeft + padRight) }

    /// Scratch for the padded path: the padded plane, slack for the flat stride-1 loop reading a
    /// few floats past its end, and the stride-1 accumulator (out rows at padded width).
    var depthwiseScratchCount: Int {
        paddedPlaneCount + 8 + outHeight * (inWidth + padLeft + padRight)
    }

    /// Depthwise through a zero-padded copy of each plane (in `scratch`) and the row kernels;
    /// channels are split among `threads` workers, each with its own scratch region.
    func runDepthwisePadded(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                            output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let workers = max(1, min(threads, inChannels))
        let per = (inChannels + workers - 1) / workers
        Conv2D.parallel(workers) { w in
            let channels = (w * per)..<min(inChannels, (w + 1) * per)
            if !channels.isEmpty {
                runDepthwisePadded(input: input, weights: weights, bias: bias, output: output,
                                   scratch: scratch + w * depthwiseScratchCount, channels: channels)
            }
        }
    }

    func runDepthwisePadded(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                            output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, channels: Range<Int>) {
        let oh = outHeight, ow = outWidth, k = kernelHeight, s = strideH
        let pw = inWidth + padLeft + padRight, ph = inHeight + padTop + padBottom
        // Stride 1 runs flat over whole padded rows (long, vectorisable loops, then a compaction),
        // so it always works on the padded copy; stride 2 reads the input in place when unpadded.
        let unpadded = s != 1 && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0
        if !unpadded { scratch.initialize(repeating: 0, count: ph * pw + 8) }
        let accumulator = scratch + ph * pw + 8
        for n in 0..<batch {
            for c in channels {
                let plane = input + (n * inChannels + c) * inHeight * inWidth
                let src: UnsafePointer<Float>
                if unpadded {
                    src = plane
                } else {
                    // Borders stay zero from the first fill: only the interior is rewritten.
                    for y in 0..<inHeight {
                        (scratch + (y + padTop) * pw + padLeft).update(from: plane + y * inWidth, count: inWidth)
                    }
                    src = UnsafePointer(scratch)
                }
                let out = output + (n * inChannels + c) * oh * ow
                let w = weights + c * k * k
                let bv = bias?[c] ?? 0
                if s == 1 {
                    // Output (oy, ox) sits at oy·pw + ox of a plane at padded width: every tap is a
                    // shift of the whole padded plane, so each kernel row is one long loop.
                    let total = oh * pw
                    accumulator.initialize(repeating: bv, count: total)
                    for ky in 0..<k {
                        if k == 3 {
                            DepthwiseRows.add3(accumulator, src + ky * pw, w + ky * 3, count: total, stride: 1)
                        } else {
                            DepthwiseRows.add5(accumulator, src + ky * pw, w + ky * 5, count: total, stride: 1)
                        }
                    }
                    for oy in 0..<oh { (out + oy * ow).update(from: accumulator + oy * pw, count: ow) }
                    activation?.apply(out, count: oh * ow)
                    continue
                }
                for oy in 0..<oh {
                    let d = out + oy * ow
                    d.initialize(repeating: bv, count: ow)
                    let top = src + oy * s * pw
                    if k == 3 {
                        for ky in 0..<3 { DepthwiseRows.add3(d, top + ky * pw, w + ky * 3, count: ow, stride: s) }
                    } else {
                        for ky in 0..<5 { DepthwiseRows.add5(d, top + ky * pw, w + ky * 5, count: ow, stride: s) }
                    }
                }
                activation?.apply(out, count: oh * ow)
            }
        }
    }
}
