/// The backward dispatch: one vector–Jacobian product per kernel family. Each adds ∂y·∂y/∂x
/// into the gradient of every input a target reaches (inputs no target reaches — weights,
/// constants, context values — get nothing).
extension GradientPlan {
    /// The operator a kernel runs when it has no backward rule (a oneDNN primitive other than a
    /// convolution with its backward-data kernel or a reorder, which gradient plans never make),
    /// else nil.
    static func missingRule(_ kernel: Kernel) -> String? {
        switch kernel {
        case .nativeConv(let c): return c.backward == nil ? "Conv (oneDNN)" : nil
        case .native(let op): return op.reordering == nil ? op.implementation : nil
        default: return nil
        }
    }

    @inline(__always) func value(_ step: Step, _ i: Int) -> UnsafePointer<Float> { UnsafePointer(tail.pointers[step.inputs[i]]) }
    @inline(__always) func outputValue(_ step: Step) -> UnsafePointer<Float> { UnsafePointer(tail.pointers[step.outputs[0]]) }
    /// The gradient buffer of input `i`, nil when absent or not reached from a target.
    @inline(__always) func gradient(_ step: Step, _ i: Int) -> UnsafeMutablePointer<Float>? {
        i < step.inputs.count && step.inputs[i] >= 0 ? gradients[step.inputs[i]] : nil
    }

    func backward(_ step: Step, index: Int) {
        let dy = UnsafePointer(gradients[step.outputs[0]]!)
        switch step.kernel {
        case .conv(let conv):
            guard let dx = gradient(step, 0) else { return }
            var g = dy
            if guidedReLU, let high = conv.activation.flatMap(GradientPlan.guidedCeiling) {
                GradientPlan.guided(dy, output: outputValue(step), below: high, count: gradientSizes[step.outputs[0]], into: activationScratch!)
                g = UnsafePointer(activationScratch!)
            } else if let activation = conv.activation {
                // The fused activation's derivative first, from the output, into its own scratch.
                activation.outputGradient(dy, output: outputValue(step), count: gradientSizes[step.outputs[0]], into: activationScratch!)
                g = UnsafePointer(activationScratch!)
            }
            if let hook = onBiasGradient, let bias = step.inputs.count > 2 && step.inputs[2] >= 0 ? value(step, 2) : nil {
                hook(BiasGradient(node: step.node, batch: conv.batch, channels: conv.outChannels, height: conv.outHeight, width: conv.outWidth,
                                  gradient: g, bias: bias))
            }
            if let t = depthwiseTransposes[index] {
                let out = transposeOutput!, count = t.conv.batch * t.conv.outChannels * t.conv.outHeight * t.conv.outWidth
                t.weights.withUnsafeBufferPointer { w in t.conv.run(input: g, weights: w.baseAddress!, bias: nil, output: out, scratch: scratch) }
                for j in 0..<count { dx[j] += out[j] }
            } else {
                conv.inputGradient(outputGradient: g, weights: value(step, 1), into: dx, scratch: scratch)
            }
        case .nativeConv, .native:
            nativeBackward(step, index: index, dy: dy)
        case let .batchNorm(batch, channels, spatial, scale, shift):
            if let hook = onBiasGradient {
                let s = bufferShapes[step.outputs[0]] ?? []
                let (h, w) = s.count == 4 ? (s[2], s[3]) : (1, spatial)
                shift.withUnsafeBufferPointer { b in
                    hook(BiasGradient(node: step.node, batch: batch, channels: channels, height: h, width: w, gradient: dy, bias: b.baseAddress!))
                }
            }
            guard let dx = gradient(step, 0) else { return }
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * spatial, s = scale[c]
                    for i in 0..<spatial { dx[base + i] += dy[base + i] * s }
                }
            }
        case let .activation(a, count):
            guard let dx = gradient(step, 0) else { return }
            if guidedReLU, let high = GradientPlan.guidedCeiling(a) {
                let x = value(step, 0)
                for i in 0..<count where dy[i] > 0 && x[i] > 0 && x[i] < high { dx[i] += dy[i] }
                return
            }
            a.addInputGradient(dy, input: value(step, 0), output: outputValue(step), count: count, into: dx)
        case let .binary(op, a, b, out):
            ElementwiseVJP.binary(op, dy, outShape: out, a: value(step, 0), aShape: a, b: value(step, 1), bShape: b,
                                  da: gradient(step, 0), db: gradient(step, 1))
        case let .prelu(x, slope, out):
            guard let dx = gradient(step, 0) else { return }
            ElementwiseVJP.prelu(dy, x: value(step, 0), xShape: x, slope: value(step, 1), slopeShape: slope, outShape: out, into: dx)
        case let .sum(shapes, out):
            for (i, s) in shapes.enumerated() {
                if let d = gradient(step, i) { ElementwiseVJP.reduceBroadcast(dy, outShape: out, into: d, shape: s, scale: 1) }
            }
        case let .layerNorm(rows, size, epsilon, scale, _):
            guard let dx = gradient(step, 0) else { return }
            NormalizationVJP.layerNorm(dy, x: value(step, 0), rows: rows, size: size, epsilon: epsilon, scale: scale, into: dx)
        case let .softmax(outer, axis, inner, log):
            guard let dx = gradient(step, 0) else { return }
            NormalizationVJP.softmax(dy, y: outputValue(step), outer: outer, axis: axis, inner: inner, log: log, into: dx)
        case let .concat(shapes, axis):
            DataMovementVJP.concat(dy, shapes: shapes, axis: axis, into: shapes.indices.map { gradient(step, $0) })
        case let .split(shape, axis, sizes):
            guard let dx = gradient(step, 0) else { return }
            DataMovementVJP.split(step.outputs.map { UnsafePointer(gradients[$0]!) }, shape: shape, axis: axis, sizes: sizes, into: dx)
        case let .slice(shape, axes):
            guard let dx = gradient(step, 0) else { return }
            DataMovementVJP.scatter(dy, into: dx, count: shape.elementCount, outCount: gradientSizes[step.outputs[0]]) { src, out in Layout.slice(src, shape: shape, axes: axes, into: out) }
        case let .pad(shape, pads, mode, _):
            guard let dx = gradient(step, 0) else { return }
            DataMovementVJP.scatter(dy, into: dx, count: shape.elementCount, outCount: gradientSizes[step.outputs[0]]) { src, out in
                Layout.pad(src, shape: shape, pads: pads, mode: mode, value: -1, into: out)
            }
        case let .transpose(shape, perm):
            guard let dx = gradient(step, 0) else { return }
            DataMovementVJP.scatter(dy, into: dx, count: shape.elementCount, outCount: gradientSizes[step.outputs[0]]) { src, out in Layout.transpose(src, shape: shape, perm: perm, into: out) }
        case let .gather(shape, axis, indices):
            guard let dx = gradient(step, 0) else { return }
            DataMovementVJP.scatter(dy, into: dx, count: shape.elementCount, outCount: gradientSizes[step.outputs[0]]) { src, out in
                Layout.gather(src, shape: shape, axis: axis, indices: indices, into: out)
            }
        case .pool(let pool):
            guard let dx = gradient(step, 0) else { return }
            pool.inputGradient(dy, input: value(step, 0), into: dx)
        case let .globalAverage(planes, size):
            guard let dx = gradient(step, 0) else { return }
            let scale = 1 / Float(size)
            for p in 0..<planes { let g = dy[p] * scale; for i in 0..<size { dx[p * size + i] += g } }
        case let .globalMax(planes, size):
            guard let dx = gradient(step, 0) else { return }
            let x = value(step, 0)
            for p in 0..<planes { PoolingVJP.routeToFirstMaximum(dy[p], x + p * size, count: size, stride: 1, into: dx + p * size) }
        case let .reduce(op, shape, axes):
            guard let dx = gradient(step, 0) else { return }
            PoolingVJP.reduce(op, dy, x: value(step, 0), y: outputValue(step), shape: shape, axes: axes, into: dx)
        case let .gemm(m, n, k, alpha, beta, transA, transB, cShape):
            MatrixProductVJP.gemm(dy, a: value(step, 0), b: value(step, 1), m: m, n: n, k: k, alpha: alpha, transA: transA, transB: transB,
                                  da: gradient(step, 0), db: gradient(step, 1))
            if beta != 0, let dc = gradient(step, 2) { ElementwiseVJP.reduceBroadcast(dy, outShape: [m, n], into: dc, shape: cShape, scale: beta) }
        case let .matMul(a, b):
            MatrixProductVJP.matMul(dy, a: value(step, 0), aShape: a, b: value(step, 1), bShape: b, da: gradient(step, 0), db: gradient(step, 1))
        }
    }

    /// Where guided backpropagation applies: ReLU (ceiling ∞) and ReLU6, a Clip from 0 (ceiling
    /// its max), which captum and pytorch-grad-cam leave alone (it is no `nn.ReLU` module) — on
    /// a ReLU6 network such as the shipped EfficientNet-Lite0 they return the plain gradient.
    /// nil for every other activation.
    static func guidedCeiling(_ a: Activation) -> Float? {
        switch a {
        case .relu: return .infinity
        case .clip(let lo, let hi) where lo == 0: return hi
        default: return nil
        }
    }

    /// g = dy where dy > 0 and the activation passed its input (its output y in (0, high)), else 0.
    static func guided(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, below high: Float, count: Int,
                       into g: UnsafeMutablePointer<Float>) {
        for i in 0..<count { g[i] = dy[i] > 0 && y[i] > 0 && y[i] < high ? dy[i] : 0 }
    }
}

