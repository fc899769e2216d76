import CDNNLShim

/// A convolution run by oneDNN on a native activation layout, its activation fused, its kernel
/// compiled once per plan shape. Weights are packed once per model and layout (`PackedWeights`),
/// so a second plan of the same model shares them. Not thread-safe, like the plan that owns it.
final class NativeConvolution {
    let conv: Conv2D
    let layout: NativeLayout
    /// The source is read in the plain NCHW layout (only the destination is native).
    let plainSource: Bool
    /// The result is added to what the destination holds (a fused residual add).
    let accumulates: Bool
    private let op: NativeOp
    /// Its input gradient on the same layout, made when a gradient plan asked for it.
    let backward: NativeConvolutionBackward?
    /// Packed weights; owned by `PackedWeights` or, for weights held in the plan, by this object.
    private let packed: UnsafeMutablePointer<Float>
    private let ownsPacked: Bool
    /// The depthwise convolution fused after this 1×1 one (it then writes the depthwise's output).
    let depthwise: Conv2D?
    /// The fused depthwise's packed weights (`count` floats) followed by its bias; owned.
    private let depthwisePacked: (pointer: UnsafeMutablePointer<Float>, count: Int)?

    var implementation: String { op.implementation }

    /// oneDNN's kernel for `conv`, or nil when it has none (an activation it cannot fuse, a
    /// grouped convolution whose groups are not whole channel blocks, a kernel only its slow
    /// reference implementation runs): the generic kernel then runs it. A plain source of fewer
    /// channels than the layout's block (a stem on RGB) is read in the plain layout if it can be.
    /// With `inputGradient`, only a convolution whose backward-data kernel oneDNN also has.
    static func make(_ conv: Conv2D, weights: UnsafePointer<Float>, hasBias: Bool, layout: NativeLayout, sourceIsNative: Bool,
                     accumulate: Bool = false, inputGradient: Bool = false, cache: PackedWeights?) -> NativeConvolution? {
        let order = !sourceIsNative && conv.inChannels < layout.block && conv.group == 1 ? [true, false] : [false, true]
        for plain in order {
            if let made = NativeConvolution(conv, weights: weights, hasBias: hasBias, layout: layout, cache: cache, plainSource: plain,
                                            accumulate: accumulate, inputGradient: inputGradient) {
                return made
            }
        }
        return nil
    }

    private init?(_ conv: Conv2D, weights: UnsafePointer<Float>, hasBias: Bool, layout: NativeLayout, cache: PackedWeights?, plainSource: Bool,
                  accumulate: Bool, inputGradient: Bool) {
        guard var shape = NativeConvolution.shape(conv, layout: layout, hasBias: hasBias, plainSource: plainSource, accumulate: accumulate),
              let handle = camkit_dnnl_conv_create(&shape, nil, 0) else { return nil }
        let op = NativeOp(handle, arity: 3)
        // oneDNN's reference kernels are for correctness checks: far slower than the generic path.
        if op.implementation.hasPrefix("ref") { return nil }
        if inputGradient {
            guard let b = NativeConvolutionBackward(shape, weights: weights, cache: cache) else { return nil }
            backward = b
        } else {
            backward = nil
        }
        guard let (pointer, owned) = PackedWeights.pack(weights, for: handle, cache: cache) else { return nil }
        packed = pointer
        ownsPacked = owned
        self.conv = conv
        self.layout = layout
        self.plainSource = plainSource
        self.accumulates = accumulate
        self.op = op
        depthwise = nil
        depthwisePacked = nil
    }

    /// The 1×1 convolution `pointwise` with the 3×3 depthwise convolution that reads its output
    /// (`depthwise`) fused into one oneDNN kernel, or nil when oneDNN has no jit kernel for the
    /// pair (its reference fusion writes the 1×1's whole output to a scratchpad: no gain). The
    /// depthwise weights and bias are copied in: they are small.
    init?(pointwise: Conv2D, weights: UnsafePointer<Float>, hasBias: Bool, depthwise: Conv2D, depthwiseWeights: UnsafePointer<Float>,
          depthwiseBias: UnsafePointer<Float>?, layout: NativeLayout, cache: PackedWeights?) {
        guard var shape = NativeConvolution.shape(pointwise, layout: layout, hasBias: hasBias, plainSource: false, accumulate: false),
              var dwShape = NativeConvolution.shape(depthwise, layout: layout, hasBias: true, plainSource: false, accumulate: false),
              let handle = camkit_dnnl_conv_dw_create(&shape, &dwShape, nil, 0) else { return nil }
        let op = NativeOp(handle, arity: 3)
        guard !op.implementation.hasPrefix("ref") else { return nil }
        let dwCount = max(camkit_dnnl_conv_dw_packed_weight_count(handle), 1), channels = depthwise.outChannels
        let dw = UnsafeMutablePointer<Float>.allocateAligned(dwCount + channels)
        guard camkit_dnnl_conv_dw_pack_weights(handle, depthwiseWeights, dw) == 0,
              let (pointer, owned) = PackedWeights.pack(weights, for: handle, cache: cache) else {
            dw.deallocate()
            return nil
        }
        if let depthwiseBias { (dw + dwCount).update(from: depthwiseBias, count: channels) }
        packed = pointer
        ownsPacked = owned
        conv = pointwise
        self.layout = layout
        plainSource = false
        accumulates = false
        self.op = op
        backward = nil
        self.depthwise = depthwise
        depthwisePacked = (dw, dwCount)
    }

    /// The shim's description of `conv`, or nil when its activation cannot be fused.
    static func shape(_ conv: Conv2D, layout: NativeLayout, hasBias: Bool, plainSource: Bool, accumulate: Bool) -> camkit_conv_shape? {
        guard let (code, alpha, beta) = NativeConvolution.activationCode(conv.activation) else { return nil }
        return camkit_conv_shape(
            layout: layout.code,
            batch: Int32(conv.batch), in_channels: Int32(conv.inChannels), in_h: Int32(conv.inHeight), in_w: Int32(conv.inWidth),
            out_channels: Int32(conv.outChannels), out_h: Int32(conv.outHeight), out_w: Int32(conv.outWidth),
            kernel_h: Int32(conv.kernelHeight), kernel_w: Int32(conv.kernelWidth),
            stride_h: Int32(conv.strideH), stride_w: Int32(conv.strideW),
            dilation_h: Int32(conv.dilationH), dilation_w: Int32(conv.dilationW),
            pad_top: Int32(conv.padTop), pad_left: Int32(conv.padLeft), pad_bottom: Int32(conv.padBottom), pad_right: Int32(conv.padRight),
            groups: Int32(conv.group), has_bias: hasBias ? 1 : 0, plain_source: plainSource ? 1 : 0,
            activation: Int32(code.rawValue), alpha: alpha, beta: beta, accumulate: accumulate ? 1 : 0)
    }

    deinit {
        if ownsPacked { packed.deallocate() }
        depthwisePacked?.pointer.deallocate()
    }

    func run(input: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        if let (dw, count) = depthwisePacked {
            op.run(input, packed, output, bias, dw, dw + count)
        } else {
            op.run(input, packed, output, bias)
        }
    }

    /// The shim's code and parameters for a fused activation, or nil when oneDNN cannot fuse it.
    static func activationCode(_ a: Activation?) -> (camkit_activation, Float, Float)? {
        switch a {
        case nil: return (CAMKIT_ACT_NONE, 0, 0)
        case .relu: return (CAMKIT_ACT_RELU, 0, 0)
        case .leakyRelu(let alpha): return (CAMKIT_ACT_RELU, alpha, 0)
        case .clip(let lo, let hi): return (CAMKIT_ACT_CLIP, lo, hi)
        case .sigmoid: return (CAMKIT_ACT_SIGMOID, 0, 0)
        case .silu: return (CAMKIT_ACT_SILU, 1, 0)
        case .hardSwish: return (CAMKIT_ACT_HARDSWISH, 0, 0)
        case .tanh: return (CAMKIT_ACT_TANH, 0, 0)
        case .hardSigmoid, .erf, .gelu: return nil
        }
    }
}
