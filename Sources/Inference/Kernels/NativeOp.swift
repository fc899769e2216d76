import CDNNLShim

/// A native activation layout of oneDNN's kernels, chosen per plan (`Planner.adoptNativeKernels`).
struct NativeLayout: Equatable {
    /// CAMKIT_LAYOUT_NHWC, or the channel block (8 or 16) of nChw8c / nChw16c.
    let code: Int32

    static let nhwc = NativeLayout(code: Int32(CAMKIT_LAYOUT_NHWC))
    /// The channel-blocked layout of this CPU's kernels: nChw16c with AVX-512, else nChw8c.
    static var blocked: NativeLayout { NativeLayout(code: camkit_dnnl_blocked_layout()) }

    var name: String { code == 0 ? "nhwc" : "nChw\(code)c" }
    /// Channels per block (1 for nhwc: no padding).
    var block: Int { code == 0 ? 1 : Int(code) }

    /// Floats a tensor of `dims` ([n, c, h, w]) takes in this layout.
    func count(_ dims: [Int]) -> Int {
        Int(camkit_dnnl_native_count(code, Int32(dims[0]), Int32(dims[1]), Int32(dims[2]), Int32(dims[3])))
    }
}

/// One oneDNN primitive made by the shim (a reorder, a pooling, a broadcast arithmetic), run on
/// a plan's buffers. Not thread-safe: it binds the buffers to its memory objects, and belongs
/// to one plan.
final class NativeOp {
    let handle: OpaquePointer
    /// Inputs it reads before its output (1 or 2).
    let arity: Int
    /// A reorder's tensor and direction (its gradient is the reorder the other way); nil for
    /// other primitives.
    let reordering: Reorder?

    struct Reorder {
        let dims: [Int]
        let layout: NativeLayout
        let toNative: Bool
    }

    init(_ handle: OpaquePointer, arity: Int, reorder: Reorder? = nil) {
        self.handle = handle
        self.arity = arity
        self.reordering = reorder
    }

    deinit { camkit_dnnl_op_destroy(handle) }

    /// oneDNN's implementation name, e.g. "jit:avx512_core" or "jit_uni_reorder".
    var implementation: String { String(cString: camkit_dnnl_op_implementation(handle)) }

    /// Runs on up to six buffers, in the order the shim's constructor names. The argument list
    /// lives on the stack: this runs for every convolution of every forward pass, where a
    /// variadic array would be a heap allocation per call.
    func run(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ c: UnsafeRawPointer? = nil, _ d: UnsafeRawPointer? = nil,
             _ e: UnsafeRawPointer? = nil, _ f: UnsafeRawPointer? = nil) {
        let status = withUnsafeTemporaryAllocation(of: UnsafeRawPointer?.self, capacity: 6) { list in
            list.initialize(repeating: nil)
            list[0] = a; list[1] = b; list[2] = c; list[3] = d; list[4] = e; list[5] = f
            return camkit_dnnl_op_run(handle, list.baseAddress)
        }
        // Every argument was checked when the primitive was created; a failure here is a bug.
        precondition(status == 0, "oneDNN \(implementation) failed at run time")
    }

    /// A reorder of a [n, c, h, w] tensor between the plain layout and `layout`.
    static func reorder(_ dims: [Int], layout: NativeLayout, toNative: Bool) -> NativeOp? {
        guard dims.count == 4 else { return nil }
        return camkit_dnnl_reorder_create(layout.code, Int32(dims[0]), Int32(dims[1]), Int32(dims[2]), Int32(dims[3]),
                                          toNative ? 1 : 0, nil, 0)
            .map { NativeOp($0, arity: 1, reorder: Reorder(dims: dims, layout: layout, toNative: toNative)) }
    }

    /// `pool` on a native [n, c, h, w] input, or nil when oneDNN's semantics differ: an average
    /// counting pads whose ceil mode adds more padding at the end (ONNX does not count that).
    static func pool(_ pool: Pool2D, dims: [Int], layout: NativeLayout) -> NativeOp? {
        // oneDNN wants pads that make the output size exact: ceil mode adds end padding.
        let bottom = (pool.outHeight - 1) * pool.strideH + pool.dilationH * (pool.kernelHeight - 1) + 1 - pool.inHeight - pool.padTop
        let right = (pool.outWidth - 1) * pool.strideW + pool.dilationW * (pool.kernelWidth - 1) + 1 - pool.inWidth - pool.padLeft
        guard bottom >= 0, right >= 0 else { return nil }
        let kind: Int32
        switch pool.kind {
        case .max: kind = Int32(CAMKIT_POOL_MAX.rawValue)
        case .average where pool.dilationH != 1 || pool.dilationW != 1:
            // The generic kernel averages undilated windows (as the reference it was checked
            // against does); both paths must agree.
            return nil
        case .average(countIncludePad: true):
            guard bottom == pool.padBottom, right == pool.padRight else { return nil }
            kind = Int32(CAMKIT_POOL_AVERAGE_INCLUDING_PADS.rawValue)
        case .average(countIncludePad: false): kind = Int32(CAMKIT_POOL_AVERAGE_EXCLUDING_PADS.rawValue)
        }
        var shape = camkit_pool_shape(
            layout: layout.code, kind: kind, batch: Int32(dims[0]), channels: Int32(dims[1]), in_h: Int32(pool.inHeight), in_w: Int32(pool.inWidth),
            out_h: Int32(pool.outHeight), out_w: Int32(pool.outWidth), kernel_h: Int32(pool.kernelHeight), kernel_w: Int32(pool.kernelWidth),
            stride_h: Int32(pool.strideH), stride_w: Int32(pool.strideW), dilation_h: Int32(pool.dilationH), dilation_w: Int32(pool.dilationW),
            pad_top: Int32(pool.padTop), pad_left: Int32(pool.padLeft), pad_bottom: Int32(bottom), pad_right: Int32(right))
        return camkit_dnnl_pool_create(&shape, nil, 0).map { NativeOp($0, arity: 1) }
    }

    /// a ∘ b with a of `dims` and b one value per channel ([n, c, 1, 1]).
    static func channelBinary(_ op: BinaryOp, dims: [Int], layout: NativeLayout) -> NativeOp? {
        let code: camkit_binary_op
        switch op {
        case .add: code = CAMKIT_BINARY_ADD
        case .sub: code = CAMKIT_BINARY_SUB
        case .mul: code = CAMKIT_BINARY_MUL
        case .div: code = CAMKIT_BINARY_DIV
        }
        return camkit_dnnl_channel_binary_create(layout.code, Int32(code.rawValue), Int32(dims[0]), Int32(dims[1]), Int32(dims[2]), Int32(dims[3]), nil, 0)
            .map { NativeOp($0, arity: 2) }
    }
}
