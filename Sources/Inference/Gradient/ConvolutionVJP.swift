import CBLAS

extension Conv2D {
    /// Floats of scratch `inputGradient` needs: one group's column matrix.
    var backwardScratchCount: Int {
        isDepthwise ? 0 : (inChannels / group) * kernelHeight * kernelWidth * outHeight * outWidth
    }

    /// dx += the transposed convolution of dy with the same weights (activation gradients only:
    /// the weights' and bias's gradients are never needed). Dense groups: the column matrix
    /// Wᵀ·dY by OpenBLAS, then scattered back to the pixels it was gathered from (col2im);
    /// depthwise: each output gradient spread over its window directly.
    func inputGradient(outputGradient dy: UnsafePointer<Float>, weights: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>?) {
        let oh = outHeight, ow = outWidth, spatial = oh * ow
        let plane = inHeight * inWidth
        if isDepthwise {
            for n in 0..<batch {
                for c in 0..<inChannels {
                    let g = dy + (n * outChannels + c) * spatial, d = dx + (n * inChannels + c) * plane
                    let w = weights + c * kernelHeight * kernelWidth
                    for ky in 0..<kernelHeight {
                        for kx in 0..<kernelWidth {
                            scatterAdd(g, scale: w[ky * kernelWidth + kx], ky: ky, kx: kx, into: d)
                        }
                    }
                }
            }
            return
        }
        let cg = inChannels / group, mg = outChannels / group
        let kdim = cg * kernelHeight * kernelWidth
        for n in 0..<batch {
            for g in 0..<group {
                let dyg = dy + (n * outChannels + g * mg) * spatial
                let dxg = dx + (n * inChannels + g * cg) * plane
                let w = weights + g * mg * kdim
                if isPointwise {
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(kdim), Int32(spatial), Int32(mg), 1,
                                w, Int32(kdim), dyg, Int32(spatial), 1, dxg, Int32(spatial))
                    continue
                }
                let col = scratch!
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(kdim), Int32(spatial), Int32(mg), 1,
                            w, Int32(kdim), dyg, Int32(spatial), 0, col, Int32(spatial))
                for c in 0..<cg {
                    for ky in 0..<kernelHeight {
                        for kx in 0..<kernelWidth {
                            let row = col + ((c * kernelHeight + ky) * kernelWidth + kx) * spatial
                            scatterAdd(UnsafePointer(row), scale: 1, ky: ky, kx: kx, into: dxg + c * plane)
                        }
                    }
                }
            }
        }
    }

    /// d[iy, ix] += scale · g[oy, ox] for every output position whose window tap (ky, kx) lands
    /// inside the plane: the valid output columns are worked out once per tap, so the inner loop
    /// has no bounds test.
    @inline(__always)
    func scatterAdd(_ g: UnsafePointer<Float>, scale: Float, ky: Int, kx: Int, into d: UnsafeMutablePointer<Float>) {
        let oh = outHeight, ow = outWidth
        let xOffset = kx * dilationW - padLeft
        // ox·strideW + xOffset in [0, inWidth)
        let oxLo = max(0, (-xOffset + strideW - 1) / strideW)
        let oxHi = min(ow, xOffset >= inWidth ? 0 : (inWidth - 1 - xOffset) / strideW + 1)
        if oxLo >= oxHi { return }
        for oy in 0..<oh {
            let iy = oy * strideH - padTop + ky * dilationH
            if iy < 0 || iy >= inHeight { continue }
            let src = g + oy * ow, dst = d + iy * inWidth + xOffset
            if strideW == 1 {
                for ox in oxLo..<oxHi { dst[ox] += scale * src[ox] }
            } else {
                for ox in oxLo..<oxHi { dst[ox * strideW] += scale * src[ox] }
            }
        }
    }

    /// For a stride-1 depthwise convolution, the convolution whose forward pass is its input
    /// gradient: the taps flipped, pads d(k−1) − p on each side. It runs on the forward pass's
    /// padded row kernels, several times faster than scattering each output back. nil where it
    /// does not apply (strides, or pads larger than the window).
    var depthwiseTranspose: Conv2D? {
        guard isDepthwise, strideH == 1, strideW == 1 else { return nil }
        let spanH = dilationH * (kernelHeight - 1), spanW = dilationW * (kernelWidth - 1)
        let pads = [spanH - padTop, spanW - padLeft, spanH - padBottom, spanW - padRight]
        guard pads.allSatisfy({ $0 >= 0 }) else { return nil }
        var t = Conv2D(batch: batch, inChannels: outChannels, inHeight: outHeight, inWidth: outWidth, outChannels: inChannels,
                       kernelHeight: kernelHeight, kernelWidth: kernelWidth, strides: [1, 1], dilations: [dilationH, dilationW],
                       pads: pads, group: group, activation: nil)
        t.threads = threads
        guard t.outHeight == inHeight, t.outWidth == inWidth else { return nil }
        return t
    }

    /// Depthwise weights [C, 1, kh, kw] with each window turned 180°.
    func flippedDepthwiseWeights(_ w: UnsafePointer<Float>) -> [Float] {
        let taps = kernelHeight * kernelWidth
        var out = [Float](repeating: 0, count: inChannels * taps)
        for c in 0..<inChannels { for t in 0..<taps { out[c * taps + t] = w[c * taps + taps - 1 - t] } }
        return out
    }
}

