#if canImport(Glibc)
import Glibc
#endif

/// The expand → depthwise fusion of the native-kernel pass (`Planner+NativeLayout.swift`).
extension NativeLayoutPass {
    /// Folds a 3×3 depthwise convolution into the 1×1 convolution emitted just before it when
    /// that one's output feeds only this depthwise: an inverted-residual block's expand, whose
    /// output (6× the block's channels, at the block's input resolution) is the largest tensor
    /// of MobileNet and EfficientNet plans. oneDNN's depthwise post-op computes the depthwise
    /// rows from the 1×1's rows as they are made, so that tensor is never written whole
    /// (measured on EfficientNet-Lite0's first such block: BENCHMARKS.md). oneDNN takes a
    /// depthwise of stride 1 or 2 with equal top and left pads whose output is the input's size
    /// divided by the stride, rounded up; anything else stays two convolutions, and so does a
    /// pair it would fuse only with its reference kernel, which writes the 1×1's whole output to
    /// a scratchpad (oneDNN 2.6 takes its jit kernel only where that output is large: above
    /// ~1.3 M floats on this machine, so Lite0's first expand at 224×336 but not at 224×224).
    mutating func fuseDepthwise(_ dw: Conv2D, _ step: Step) -> Bool {
        guard Self.fusesDepthwise, let last = lastConvolution, last.emitted == steps.count - 1, case .conv(let pw) = last.step.kernel,
              case .nativeConv(let emitted) = steps[last.emitted].kernel,
              emitted.depthwise == nil, !emitted.accumulates, !emitted.plainSource, pw.isPointwise, pw.group == 1,
              dw.isDepthwise, dw.inChannels == pw.outChannels, dw.batch == pw.batch,
              dw.kernelHeight == 3, dw.kernelWidth == 3, dw.dilationH == 1, dw.dilationW == 1,
              dw.strideH == dw.strideW, dw.strideH == 1 || dw.strideH == 2, dw.padTop == dw.padLeft,
              dw.outHeight == (dw.inHeight + dw.strideH - 1) / dw.strideH, dw.outWidth == (dw.inWidth + dw.strideW - 1) / dw.strideW,
              step.inputs.count >= 2, step.inputs[0] == last.step.outputs[0] else { return false }
        let expanded = step.inputs[0]
        guard readers[expanded] == [current], !outputs.contains(expanded) else { return false }
        let pwHasBias = last.step.inputs.count > 2 && last.step.inputs[2] >= 0
        let dwBias = step.inputs.count > 2 && step.inputs[2] >= 0 ? step.inputs[2] : nil
        let made = withConstant(last.step.inputs[1]) { pwWeights, shared in
            withConstant(step.inputs[1]) { dwWeights, _ in
                withConstant(dwBias) { bias, _ -> NativeConvolution? in
                    guard let pwWeights, let dwWeights else { return nil }
                    return NativeConvolution(pointwise: pw, weights: pwWeights, hasBias: pwHasBias, depthwise: dw, depthwiseWeights: dwWeights,
                                      depthwiseBias: bias, layout: layout, cache: shared ? cache : nil)
                }
            }
        }
        guard let fused = made else { return false }
        let pointwiseStep = steps.removeLast()
        buffers[expanded].size = 0
        native[expanded] = nil
        emitNative(step, .nativeConv(fused), inputs: pointwiseStep.inputs, dims: [dw.batch, dw.outChannels, dw.outHeight, dw.outWidth])
        lastConvolution = nil
        return true
    }

    /// CAMKIT_DNNL_FUSE_DEPTHWISE=0 turns the fusion off, for side-by-side measurements.
    static let fusesDepthwise = getenv("CAMKIT_DNNL_FUSE_DEPTHWISE").map { String(cString: $0) != "0" } ?? true

    /// Calls `body` with the memory of a constant known before the run: a model weight (in the
    /// shared store: `shared`) or a plan constant (valid during the call only); nil when the
    /// buffer is computed at run time. No buffer (an absent bias) gives a nil pointer.
    func withConstant<R>(_ buffer: Int?, _ body: (UnsafePointer<Float>?, _ shared: Bool) -> R?) -> R? {
        guard let buffer else { return body(nil, false) }
        switch buffers[buffer].kind {
        case .activation: return nil
        case .weight(let p): return body(UnsafePointer(p), true)
        case .planConstant(let data): return data.withUnsafeBufferPointer { body($0.baseAddress, false) }
        }
    }
}
