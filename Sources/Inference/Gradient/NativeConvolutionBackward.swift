import CDNNLShim

/// A convolution's input gradient by oneDNN's backward-data kernel, on the native layout its
/// forward kernel runs on (the transposed convolution, done by the library that does the
/// forward one rather than by col2im on the plain layout). Its weights are packed for it:
/// backward kernels read them in another order than forward ones. Not thread-safe, like the
/// plan that owns it.
final class NativeConvolutionBackward {
    private let op: NativeOp
    private let packed: UnsafeMutablePointer<Float>
    private let ownsPacked: Bool
    /// A forward kernel that reads a plain source (a stem on RGB) has no fast backward kernel
    /// that writes a plain gradient; the native one writes here, and this reorder makes it plain.
    private let toPlain: (reorder: NativeOp, native: UnsafeMutablePointer<Float>)?

    var implementation: String { op.implementation }

    /// nil when oneDNN has no kernel for it but its slow reference one.
    init?(_ shape: camkit_conv_shape, weights: UnsafePointer<Float>, cache: PackedWeights?) {
        var shape = shape
        var handle = camkit_dnnl_conv_backward_data_create(&shape, nil, 0)
        var viaNative = false
        if shape.plain_source != 0, handle.map({ String(cString: camkit_dnnl_op_implementation($0)).hasPrefix("ref") }) ?? true {
            if let h = handle { camkit_dnnl_op_destroy(h) }
            shape.plain_source = 0
            handle = camkit_dnnl_conv_backward_data_create(&shape, nil, 0)
            viaNative = true
        }
        guard let handle else { return nil }
        let op = NativeOp(handle, arity: 1)
        if op.implementation.hasPrefix("ref") { return nil }
        if viaNative {
            let layout = NativeLayout(code: shape.layout)
            let dims = [shape.batch, shape.in_channels, shape.in_h, shape.in_w].map(Int.init)
            guard let reorder = NativeOp.reorder(dims, layout: layout, toNative: false) else { return nil }
            toPlain = (reorder, .allocateAligned(layout.count(dims)))
        } else {
            toPlain = nil
        }
        guard let (pointer, owned) = PackedWeights.pack(weights, for: handle, cache: cache) else {
            toPlain?.native.deallocate()
            return nil
        }
        packed = pointer
        ownsPacked = owned
        self.op = op
    }

    deinit {
        if ownsPacked { packed.deallocate() }
        toPlain?.native.deallocate()
    }

    /// dx = the transposed convolution of dy, both on the forward kernel's layouts (dx
    /// overwritten, its padding channels included).
    func run(outputGradient dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        if let toPlain {
            op.run(dy, packed, toPlain.native)
            toPlain.reorder.run(toPlain.native, dx)
        } else {
            op.run(dy, packed, dx)
        }
    }
}
