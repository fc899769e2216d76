extension ExecutionPlan {
    @inline(__always) func input(_ step: Step, _ i: Int) -> UnsafePointer<Float> { UnsafePointer(pointers[step.inputs[i]]) }
    @inline(__always) func optionalInput(_ step: Step, _ i: Int) -> UnsafePointer<Float>? {
        i < step.inputs.count && step.inputs[i] >= 0 ? UnsafePointer(pointers[step.inputs[i]]) : nil
    }

    func execute(_ step: Step) {
        let out = pointers[step.outputs[0]]
        switch step.kernel {
        case .conv(let conv):
            conv.run(input: input(step, 0), weights: input(step, 1), bias: optionalInput(step, 2), output: out, scratch: scratch)
        case .nativeConv(let conv):
            conv.run(input: input(step, 0), bias: optionalInput(step, 2), output: out)
        case .native(let op):
            if op.arity == 1 { op.run(input(step, 0), out) } else { op.run(input(step, 0), input(step, 1), out) }
        case let .batchNorm(batch, channels, spatial, scale, shift):
            let x = input(step, 0)
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * spatial
                    let s = scale[c], b = shift[c]
                    for i in 0..<spatial { out[base + i] = x[base + i] * s + b }
                }
            }
        case let .activation(a, count):
            // Fixed chunks over the threads: a transformer's GELU is its widest elementwise pass.
            let x = input(step, 0), chunk = 1 << 16, chunks = (count + chunk - 1) / chunk
            let workers = min(max(threads, 1), chunks)
            Conv2D.parallel(workers) { worker in
                for c in stride(from: worker, to: chunks, by: workers) {
                    let start = c * chunk, n = min(chunk, count - start)
                    if x != UnsafePointer(out) { (out + start).update(from: x + start, count: n) }
                    a.apply(out + start, count: n)
                }
            }
        case let .binary(op, a, b, shape):
            Broadcast.floatArithmetic(op, input(step, 0), a, input(step, 1), b, into: out, outShape: shape, threads: threads)
        case let .prelu(x, slope, shape):
            Broadcast.apply(input(step, 0), x, input(step, 1), slope, into: out, outShape: shape) { v, s in v < 0 ? v * s : v }
        case let .sum(shapes, shape):
            out.initialize(repeating: 0, count: shape.elementCount)
            for (i, s) in shapes.enumerated() {
                Broadcast.apply(UnsafePointer(out), shape, input(step, i), s, into: out, outShape: shape, +)
            }
        case let .layerNorm(rows, size, epsilon, scale, bias):
            Reduce.layerNorm(input(step, 0), rows: rows, size: size, epsilon: epsilon, scale: scale, bias: bias, into: out, threads: threads)
        case let .softmax(outer, axis, inner, log):
            Reduce.softmax(input(step, 0), outer: outer, axis: axis, inner: inner, log: log, into: out, threads: threads)
        case let .concat(shapes, axis):
            Layout.concat(shapes.indices.map { (input(step, $0), shapes[$0]) }, axis: axis, into: out)
        case let .split(shape, axis, sizes):
            Layout.split(input(step, 0), shape: shape, axis: axis, sizes: sizes, into: step.outputs.map { pointers[$0] })
        case let .slice(shape, axes):
            Layout.slice(input(step, 0), shape: shape, axes: axes, into: out)
        case let .pad(shape, pads, mode, value):
            Layout.pad(input(step, 0), shape: shape, pads: pads, mode: mode, value: value, into: out)
        case .pool(let pool):
            pool.run(input: input(step, 0), output: out)
        case let .globalAverage(planes, size):
            GlobalPool.average(input(step, 0), planes: planes, size: size, into: out)
        case let .globalMax(planes, size):
            GlobalPool.maximum(input(step, 0), planes: planes, size: size, into: out)
        case let .reduce(op, shape, axes):
            Reduce.run(op, input(step, 0), shape: shape, axes: axes, into: out)
        case let .transpose(shape, perm):
            Layout.transpose(input(step, 0), shape: shape, perm: perm, into: out)
        case let .gather(shape, axis, indices):
            Layout.gather(input(step, 0), shape: shape, axis: axis, indices: indices, into: out)
        case let .gemm(m, n, k, alpha, beta, transA, transB, cShape):
            MatrixMultiply.gemm(a: input(step, 0), b: input(step, 1), c: optionalInput(step, 2), cShape: cShape,
                                m: m, n: n, k: k, alpha: alpha, beta: beta, transA: transA, transB: transB, into: out,
                                threads: threads)
        case let .matMul(a, b):
            MatrixMultiply.matMul(a: input(step, 0), aShape: a, b: input(step, 1), bShape: b, into: out, threads: threads)
        }
    }
}
