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
        guard let (code, alpha, beta) = NativeConvolution.activationCode(conv.activation) else { return nil }
        var shape = camkit_conv_shape(
            layout: layout.code,
            batch: Int32(conv.batch), in_channels: Int32(conv.inChannels), in_h: Int32(conv.inHeight), in_w: Int32(conv.inWidth),
            out_channels: Int32(conv.outChannels), out_h: Int32(conv.outHeight), out_w: Int32(conv.outWidth),
            kernel_h: Int32(conv.kernelHeight), kernel_w: Int32(conv.kernelWidth),
            stride_h: Int32(conv.strideH), stride_w: Int32(conv.strideW),
            dilation_h: Int32(conv.dilationH), dilation_w: Int32(conv.dilationW),
            pad_top: Int32(conv.padTop), pad_left: Int32(conv.padLeft), pad_bottom: Int32(conv.padBottom), pad_right: Int32(conv.padRight),
            groups: Int32(conv.group), has_bias: hasBias ? 1 : 0, plain_source: plainSource ? 1 : 0,
            activation: Int32(code.rawValue), alpha: alpha, beta: beta, accumulate: accumulate ? 1 : 0)
        guard let handle = camkit_dnnl_conv_create(&shape, nil, 0) else { return nil }
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
    }

    deinit {
        if ownsPacked { packed.deallocate() }
    }

    func run(input: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        op.run(input, packed, output, bias)
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
