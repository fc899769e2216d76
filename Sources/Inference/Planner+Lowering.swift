extension Planner {
    /// Lowers one node: folds it when its inputs are known, else emits its kernel.
    mutating func lower(_ node: Node, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        let allConstant = operands.allSatisfy { v in
            guard let v else { return true }
            if case .constant = v { return true }
            return false
        }
        // Shape of a runtime value is known at plan time.
        if case .shape(let start, let end) = node.op, let x = operands.first ?? nil {
            return [.constant(.int(ShapeRules.shapeSlice(x.shape, start: start, end: end)))]
        }
        if allConstant {
            let consts = operands.map { v -> ConstantValue? in
                if case .constant(let c)? = v { return c }
                return nil
            }
            if let folded = try ConstantFolder.evaluate(node, consts, limit: limit) { return folded.map { .constant($0) } }
        }
        guard let x = operands.first ?? nil else { throw fail(node, "missing first input") }
        let shape = x.shape
        switch node.op {
        case .identity, .cast(toFloat: true), .reshape, .flatten, .squeeze, .unsqueeze:
            return try alias(node, x, operands)
        case .cast(toFloat: false):
            throw .unsupported(node: node.name, op: "Cast", detail: "casting run-time float data to an integer type")
        case .conv(let attrs):
            return try lowerConv(node, attrs, operands)
        case .batchNormalization(let epsilon):
            guard shape.count >= 2 else { throw fail(node, "input rank < 2") }
            let p = try (1...4).map { i throws(InferenceError) -> [Float] in
                guard let c = try constant(node, operands, i) else { throw fail(node, "missing parameter \(i)") }
                return c.floats
            }
            let channels = shape[1]
            guard p.allSatisfy({ $0.count == channels }) else { throw fail(node, "parameters do not match \(channels) channels") }
            var scale = [Float](repeating: 0, count: channels), shift = scale
            for c in 0..<channels {
                scale[c] = p[0][c] / (p[3][c] + epsilon).squareRoot()
                shift[c] = p[1][c] - p[2][c] * scale[c]
            }
            return try emit(node, .batchNorm(batch: shape[0], channels: channels, spatial: shape[2...].reduce(1, *), scale: scale, shift: shift),
                            inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .layerNormalization(let axis, let epsilon):
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis \(axis)") }
            let size = shape[a...].reduce(1, *)
            guard let scale = try constant(node, operands, 1)?.floats, scale.count == size || scale.count == 1 else {
                throw fail(node, "scale must be a constant of \(size) values")
            }
            let bias = try constant(node, operands, 2)?.floats ?? [0]
            guard bias.count == size || bias.count == 1 else { throw fail(node, "bias must be a constant of \(size) values") }
            return try emit(node, .layerNorm(rows: shape[..<a].reduce(1, *), size: size, epsilon: epsilon,
                                             scale: scale.count == size ? scale : [Float](repeating: scale[0], count: size),
                                             bias: bias.count == size ? bias : [Float](repeating: bias[0], count: size)),
                            inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .activation(let a):
            return try emit(node, .activation(a, count: shape.elementCount), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .clip(let lo, let hi):
            let low = try constant(node, operands, 1)?.floats.first ?? lo ?? -Float.greatestFiniteMagnitude
            let high = try constant(node, operands, 2)?.floats.first ?? hi ?? Float.greatestFiniteMagnitude
            return try emit(node, .activation(.clip(min: low, max: high), count: shape.elementCount), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .prelu:
            guard let s = operands[safe: 1] ?? nil, let out = Broadcast.shape(shape, s.shape), out == shape else { throw fail(node, "slope does not broadcast") }
            return try emit(node, .prelu(x: shape, slope: s.shape, out: out), inputs: runtimeInputs(node, operands), shape: out)
        case .softmax(let axis, let coerced), .logSoftmax(let axis, let coerced):
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis \(axis)") }
            var log = false
            if case .logSoftmax = node.op { log = true }
            let outer = shape[..<a].reduce(1, *)
            let axisLen = coerced ? shape[a...].reduce(1, *) : shape[a]
            let inner = coerced ? 1 : shape[(a + 1)...].reduce(1, *)
            return try emit(node, .softmax(outer: outer, axis: axisLen, inner: inner, log: log), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .binary(let op):
            guard let b = operands[safe: 1] ?? nil, let out = Broadcast.shape(shape, b.shape) else { throw fail(node, "shapes \(shape) and \(operands[safe: 1]??.shape ?? []) do not broadcast") }
            return try emit(node, .binary(op, a: shape, b: b.shape, out: out), inputs: runtimeInputs(node, operands), shape: out)
        case .sum:
            let shapes = operands.compactMap { $0?.shape }
            guard var out = shapes.first else { throw fail(node, "no inputs") }
            for s in shapes.dropFirst() {
                guard let o = Broadcast.shape(out, s) else { throw fail(node, "shapes do not broadcast") }
                out = o
            }
            return try emit(node, .sum(shapes: shapes, out: out), inputs: runtimeInputs(node, operands), shape: out)
        case .concat(let axis):
            let shapes = operands.compactMap { $0?.shape }
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis") }
            for s in shapes where s.count != shape.count || (0..<s.count).contains(where: { $0 != a && s[$0] != shape[$0] }) {
                throw fail(node, "input shapes \(shapes) do not match outside axis \(a)")
            }
            var out = shape
            out[a] = shapes.reduce(0) { $0 + $1[a] }
            return try emit(node, .concat(shapes: shapes, axis: a), inputs: runtimeInputs(node, operands), shape: out)
        case .split(let axis, let attrSizes):
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis") }
            let count = node.outputs.count
            let inputSizes = try constant(node, operands, 1)?.int64s.map { Int($0) }
            var sizes = attrSizes ?? inputSizes
            if sizes == nil {
                let part = (shape[a] + count - 1) / count
                sizes = (0..<count).map { min(part, max(0, shape[a] - $0 * part)) }
            }
            guard let sizes, sizes.count == count, sizes.reduce(0, +) == shape[a] else { throw fail(node, "split sizes do not add up to \(shape[a])") }
            var outs: [Int] = []
            for size in sizes {
                var s = shape
                s[a] = size
                outs.append(try newBuffer(s.elementCount, node: node.name))
            }
            steps.append(Step(node: node.name, opName: "Split", kernel: .split(shape: shape, axis: a, sizes: sizes),
                              inputs: [buffer(for: node.inputs[0], x)], outputs: outs))
            return zip(outs, sizes).map { b, size in
                var s = shape
                s[a] = size
                return .runtime(buffer: b, shape: s)
            }
        case .slice(let attrStarts, let attrEnds, let attrAxes):
            let inStarts = try constant(node, operands, 1)?.int64s, inEnds = try constant(node, operands, 2)?.int64s
            let inAxes = try constant(node, operands, 3)?.int64s
            let starts = attrStarts.map { $0.map(Int64.init) } ?? inStarts
            let ends = attrEnds.map { $0.map(Int64.init) } ?? inEnds
            guard let starts, let ends, starts.count == ends.count else { throw fail(node, "missing starts/ends") }
            let axes = attrAxes.map { $0.map(Int64.init) } ?? inAxes ?? (0..<Int64(starts.count)).map { $0 }
            let stepsValues = try constant(node, operands, 4)?.int64s ?? [Int64](repeating: 1, count: starts.count)
            var resolved = shape.map { Layout.SliceAxis(start: 0, count: $0, step: 1) }
            for (i, raw) in axes.enumerated() {
                guard let a = Layout.axis(Int(raw), rank: shape.count), i < stepsValues.count, stepsValues[i] != 0 else { throw fail(node, "bad axis") }
                resolved[a] = Layout.sliceAxis(start: starts[i], end: ends[i], step: stepsValues[i], dim: shape[a])
            }
            return try emit(node, .slice(shape: shape, axes: resolved), inputs: [buffer(for: node.inputs[0], x)], shape: resolved.map(\.count))
        case .pad(let mode, let attrPads, let attrValue):
            let inputPads = try constant(node, operands, 1)?.int64s.map { Int($0) }
            let pads = attrPads ?? inputPads
            let value = try constant(node, operands, 2)?.floats.first ?? attrValue
            var full = pads ?? []
            if let axesConst = try constant(node, operands, 3) {
                let axes = axesConst.int64s.compactMap { Layout.axis(Int($0), rank: shape.count) }
                var expanded = [Int](repeating: 0, count: shape.count * 2)
                for (i, a) in axes.enumerated() where i < full.count / 2 {
                    expanded[a] = full[i]
                    expanded[a + shape.count] = full[i + axes.count]
                }
                full = expanded
            }
            guard full.count == shape.count * 2 else { throw fail(node, "pads has \(full.count) values for rank \(shape.count)") }
            let out = (0..<shape.count).map { shape[$0] + full[$0] + full[$0 + shape.count] }
            guard out.allSatisfy({ $0 >= 0 }) else { throw fail(node, "negative output size") }
            return try emit(node, .pad(shape: shape, pads: full, mode: mode, value: value), inputs: [buffer(for: node.inputs[0], x)], shape: out)
        case .maxPool(let w):
            return try lowerPool(node, w, .max, x)
        case .averagePool(let w, let includePad):
            return try lowerPool(node, w, .average(countIncludePad: includePad), x)
        case .globalAveragePool, .globalMaxPool:
            guard shape.count >= 3 else { throw fail(node, "input rank < 3") }
            let planes = shape[0] * shape[1], size = shape[2...].reduce(1, *)
            let out = [shape[0], shape[1]] + [Int](repeating: 1, count: shape.count - 2)
            let isMax: Bool = { if case .globalMaxPool = node.op { return true }; return false }()
            return try emit(node, isMax ? .globalMax(planes: planes, size: size) : .globalAverage(planes: planes, size: size),
                            inputs: [buffer(for: node.inputs[0], x)], shape: out)
        case .reduce(let op, let attrAxes, let keepDims, let noop):
            let inputAxes = try constant(node, operands, 1)?.int64s.map { Int($0) }
            let axesRaw = attrAxes ?? inputAxes
            if (axesRaw ?? []).isEmpty && noop { return try alias(node, x, [x]) }
            let axes = Set((axesRaw.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<shape.count)).compactMap { Layout.axis($0, rank: shape.count) })
            let out = keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                               : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            if op == .mean && axes == Set(2..<shape.count) && shape.count >= 3 {
                return try emit(node, .globalAverage(planes: shape[0] * shape[1], size: shape[2...].reduce(1, *)), inputs: [buffer(for: node.inputs[0], x)], shape: out)
            }
            return try emit(node, .reduce(op, shape: shape, axes: axes), inputs: [buffer(for: node.inputs[0], x)], shape: out)
        case .transpose(let perm):
            let p = perm ?? Array((0..<shape.count).reversed())
            guard p.sorted() == Array(0..<shape.count) else { throw fail(node, "bad perm \(p)") }
            return try emit(node, .transpose(shape: shape, perm: p), inputs: [buffer(for: node.inputs[0], x)], shape: p.map { shape[$0] })
        case .gather(let axis):
            guard let a = Layout.axis(axis, rank: shape.count), let idx = try constant(node, operands, 1) else { throw fail(node, "indices must be constant") }
            var indices: [Int] = []
            for raw in idx.int64s {
                let i = Int(raw) < 0 ? Int(raw) + shape[a] : Int(raw)
                guard i >= 0, i < shape[a] else { throw fail(node, "index \(raw) out of range") }
                indices.append(i)
            }
            let out = Array(shape[..<a]) + idx.shape + Array(shape[(a + 1)...])
            return try emit(node, .gather(shape: shape, axis: a, indices: indices), inputs: [buffer(for: node.inputs[0], x)], shape: out)
        case .gemm(let alpha, let beta, let transA, let transB):
            guard let b = operands[safe: 1] ?? nil, shape.count == 2, b.shape.count == 2 else { throw fail(node, "Gemm needs 2-D A and B") }
            let m = transA ? shape[1] : shape[0], k = transA ? shape[0] : shape[1]
            let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
            guard k == kb else { throw fail(node, "inner dimensions \(k) and \(kb) differ") }
            let cShape = (operands[safe: 2] ?? nil)?.shape ?? []
            if !cShape.isEmpty, Broadcast.shape([m, n], cShape) != [m, n] { throw fail(node, "C \(cShape) does not broadcast to [\(m), \(n)]") }
            return try emit(node, .gemm(m: m, n: n, k: k, alpha: alpha, beta: beta, transA: transA, transB: transB, cShape: cShape),
                            inputs: runtimeInputs(node, operands), shape: [m, n])
        case .matMul:
            guard let b = operands[safe: 1] ?? nil, let out = MatrixMultiply.matMulShape(shape, b.shape) else { throw fail(node, "shapes do not multiply") }
            return try emit(node, .matMul(a: shape, b: b.shape), inputs: runtimeInputs(node, operands), shape: out)
        case .shape, .constantOfShape, .range:
            let runtime = zip(node.inputs, operands).first { _, v in
                if case .runtime? = v { return true }
                return false
            }
            throw .notConstant(node: node.name, op: node.op.name, input: runtime?.0 ?? node.inputs.first ?? "")
        }
    }

    /// Reshaping operators share the input's buffer: no copy, only a new shape.
    mutating func alias(_ node: Node, _ x: Value, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        let shape = x.shape
        let out: [Int]?
        switch node.op {
        case .reshape(let allowZero):
            guard let target = try constant(node, operands, 1) else { throw fail(node, "missing shape") }
            out = ShapeRules.reshape(shape, target: target.int64s, allowZero: allowZero)
        case .flatten(let axis): out = ShapeRules.flatten(shape, axis: axis)
        case .squeeze(let axes):
            let inputAxes = try constant(node, operands, 1)?.int64s.map { Int($0) }
            out = ShapeRules.squeeze(shape, axes: axes ?? inputAxes)
        case .unsqueeze(let axes):
            let inputAxes = try constant(node, operands, 1)?.int64s.map { Int($0) }
            guard let ax = axes ?? inputAxes else { throw fail(node, "missing axes") }
            out = ShapeRules.unsqueeze(shape, axes: ax)
        default: out = shape
        }
        guard let out else { throw fail(node, "cannot reshape \(shape)") }
        switch x {
        case .constant(let c): return [.constant(ConstantFolder.reshaped(c, out))]
        case .weight: throw .unsupported(node: node.name, op: node.op.name, detail: "reshaping a stored weight")
        case .runtime(let b, _):
            buffers[b].lastUse = max(buffers[b].lastUse, steps.count)
            return [.runtime(buffer: b, shape: out)]
        }
    }

    mutating func lowerConv(_ node: Node, _ attrs: ConvAttributes, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        guard let x = operands[0], let w = operands[safe: 1] ?? nil else { throw fail(node, "needs X and W") }
        let xs = x.shape, ws = w.shape
        guard xs.count == 4, ws.count == 4 else { throw .unsupported(node: node.name, op: "Conv", detail: "only 2-D convolution (4-D tensors) is supported, got input rank \(xs.count)") }
        guard attrs.group > 0, xs[1] % attrs.group == 0, ws[0] % attrs.group == 0, ws[1] * attrs.group == xs[1] else {
            throw fail(node, "weights \(ws) do not match input \(xs) with group \(attrs.group)")
        }
        let pads = try resolvePads(node, attrs.window, input: [xs[2], xs[3]], kernel: [ws[2], ws[3]])
        var conv = Conv2D(batch: xs[0], inChannels: xs[1], inHeight: xs[2], inWidth: xs[3], outChannels: ws[0],
                          kernelHeight: ws[2], kernelWidth: ws[3], strides: attrs.window.strides, dilations: attrs.window.dilations,
                          pads: pads, group: attrs.group, activation: attrs.activation)
        guard conv.outHeight > 0, conv.outWidth > 0 else { throw fail(node, "output would be empty for input \(xs)") }
        conv.threads = threads
        return try emit(node, .conv(conv), inputs: runtimeInputs(node, operands), shape: [xs[0], ws[0], conv.outHeight, conv.outWidth])
    }

    mutating func lowerPool(_ node: Node, _ w: WindowAttributes, _ kind: Pool2D.Kind, _ x: Value) throws(InferenceError) -> [Value] {
        let s = x.shape
        guard s.count == 4, w.kernel.count == 2 else { throw .unsupported(node: node.name, op: node.op.name, detail: "only 2-D pooling is supported") }
        let pads = try resolvePads(node, w, input: [s[2], s[3]], kernel: w.kernel)
        let oh = Pool2D.outputSize(input: s[2], kernel: w.kernel[0], stride: w.strides[0], dilation: w.dilations[0], padBegin: pads[0], padEnd: pads[2], ceil: w.ceilMode)
        let ow = Pool2D.outputSize(input: s[3], kernel: w.kernel[1], stride: w.strides[1], dilation: w.dilations[1], padBegin: pads[1], padEnd: pads[3], ceil: w.ceilMode)
        guard oh > 0, ow > 0 else { throw fail(node, "output would be empty") }
        let pool = Pool2D(kind: kind, planes: s[0] * s[1], inHeight: s[2], inWidth: s[3], kernelHeight: w.kernel[0], kernelWidth: w.kernel[1],
                          strideH: w.strides[0], strideW: w.strides[1], dilationH: w.dilations[0], dilationW: w.dilations[1],
                          padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3], outHeight: oh, outWidth: ow)
        return try emit(node, .pool(pool), inputs: [buffer(for: node.inputs[0], x)], shape: [s[0], s[1], oh, ow])
    }

    /// Explicit pads, or those auto_pad implies for this input size.
    func resolvePads(_ node: Node, _ w: WindowAttributes, input: [Int], kernel: [Int]) throws(InferenceError) -> [Int] {
        switch w.autoPad {
        case .notSet: return w.pads
        case .valid: return [0, 0, 0, 0]
        case .sameUpper, .sameLower:
            var pads = [0, 0, 0, 0]
            for i in 0..<2 {
                let out = (input[i] + w.strides[i] - 1) / w.strides[i]
                let total = max(0, (out - 1) * w.strides[i] + w.dilations[i] * (kernel[i] - 1) + 1 - input[i])
                let small = total / 2
                pads[i] = w.autoPad == .sameUpper ? small : total - small
                pads[i + 2] = total - pads[i]
            }
            return pads
        }
    }
}

