import CDNNLShim

/// A convolution run by oneDNN on the native activation layout (nChw16c, nChw8c or nhwc, per
/// instruction set), its activation fused, its kernel compiled once per plan shape. Weights are
/// packed once per model and layout (`PackedWeights`), so a second plan of the same model shares them.
/// Not thread-safe (it binds buffers to its oneDNN memory objects), like the plan that owns it.
final class NativeConvolution {
    let conv: Conv2D
    /// The source is read in the plain NCHW layout (only the destination is native).
    let plainSource: Bool
    private let handle: OpaquePointer
    /// Packed weights; owned by `PackedWeights` or, for weights held in the plan, by this object.
    private(set) var packed: UnsafeMutablePointer<Float>
    private var ownsPacked = false

    /// oneDNN's implementation name, e.g. "jit:avx512_core" or "jit_dw:avx2".
    var implementation: String { String(cString: camkit_dnnl_conv_implementation(handle)) }

    /// The convolution, or nil when oneDNN has no kernel for it (its activation cannot be fused,
    /// or the shape is unsupported): the portable kernel then runs it. A source of fewer channels
    /// than the layout's block (a stem on RGB) is tried in the plain layout first.
    static func make(_ conv: Conv2D, weights: UnsafePointer<Float>, hasBias: Bool, cache: PackedWeights?) -> NativeConvolution? {
        let block = Int(camkit_dnnl_native_block())
        let order = block > 0 && conv.inChannels < block && conv.group == 1 ? [true, false] : [false, true]
        for plain in order {
            if let made = NativeConvolution(conv, weights: weights, hasBias: hasBias, cache: cache, plainSource: plain) { return made }
        }
        return nil
    }

    init?(_ conv: Conv2D, weights: UnsafePointer<Float>, hasBias: Bool, cache: PackedWeights?, plainSource: Bool) {
        guard let (code, alpha, beta) = NativeConvolution.activationCode(conv.activation) else { return nil }
        var shape = camkit_conv_shape(
            batch: Int32(conv.batch), in_channels: Int32(conv.inChannels), in_h: Int32(conv.inHeight), in_w: Int32(conv.inWidth),
            out_channels: Int32(conv.outChannels), out_h: Int32(conv.outHeight), out_w: Int32(conv.outWidth),
            kernel_h: Int32(conv.kernelHeight), kernel_w: Int32(conv.kernelWidth),
            stride_h: Int32(conv.strideH), stride_w: Int32(conv.strideW),
            dilation_h: Int32(conv.dilationH), dilation_w: Int32(conv.dilationW),
            pad_top: Int32(conv.padTop), pad_left: Int32(conv.padLeft), pad_bottom: Int32(conv.padBottom), pad_right: Int32(conv.padRight),
            groups: Int32(conv.group), has_bias: hasBias ? 1 : 0, plain_source: plainSource ? 1 : 0, activation: Int32(code.rawValue), alpha: alpha, beta: beta)
        guard let handle = camkit_dnnl_conv_create(&shape, nil, 0) else { return nil }
        // oneDNN's reference kernels are for correctness checks: far slower than the portable path.
        if String(cString: camkit_dnnl_conv_implementation(handle)).hasPrefix("ref") {
            camkit_dnnl_conv_destroy(handle)
            return nil
        }
        self.conv = conv
        self.plainSource = plainSource
        self.handle = handle
        if let shared = cache?.packed(weights, for: handle) {
            packed = shared
        } else {
            let count = camkit_dnnl_conv_packed_weight_count(handle)
            packed = .allocateAligned(count)
            guard camkit_dnnl_conv_pack_weights(handle, weights, packed) == 0 else {
                packed.deallocate()
                camkit_dnnl_conv_destroy(handle)
                return nil
            }
            ownsPacked = true
        }
    }

    deinit {
        if ownsPacked { packed.deallocate() }
        camkit_dnnl_conv_destroy(handle)
    }

    func run(input: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        let status = camkit_dnnl_conv_run(handle, input, packed, bias, output)
        // Every argument was checked when the kernel was created; a failure here is a bug.
        precondition(status == 0, "oneDNN convolution failed at run time")
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
        case .hardSigmoid, .erf: return nil
        }
    }
}

/// A oneDNN reorder of one [n, c, h, w] tensor between the plain NCHW layout and the native one.
final class NativeReorder {
    let toNative: Bool
    let dims: [Int]
    private let handle: OpaquePointer

    init?(dims: [Int], toNative: Bool) {
        guard dims.count == 4, let h = camkit_dnnl_reorder_create(Int32(dims[0]), Int32(dims[1]), Int32(dims[2]), Int32(dims[3]),
                                                                  toNative ? 1 : 0, nil, 0) else { return nil }
        self.toNative = toNative
        self.dims = dims
        handle = h
    }

    deinit { camkit_dnnl_reorder_destroy(handle) }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        precondition(camkit_dnnl_reorder_run(handle, input, output) == 0, "oneDNN reorder failed at run time")
    }

    /// Floats a tensor of `dims` takes in the native layout.
    static func nativeCount(_ dims: [Int]) -> Int {
        Int(camkit_dnnl_native_count(Int32(dims[0]), Int32(dims[1]), Int32(dims[2]), Int32(dims[3])))
    }
}
