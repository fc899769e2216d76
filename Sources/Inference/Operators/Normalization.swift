/// BatchNormalization (a per-channel scale and shift once folded), LayerNormalization, Softmax
/// and LogSoftmax: values rescaled by statistics of their neighbours.
extension Planner {
    mutating func lowerNormalization(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let shape = x.shape
        let inputs = PlanTimeInputs(node: node, operands: operands)
        switch node.op {
        case .batchNormalization(let epsilon):
            guard shape.count >= 2 else { throw fail(node, "input rank < 2") }
            let p = try (1...4).map { i throws(InferenceError) -> [Float] in
                guard let c = try inputs.constant(i) else { throw fail(node, "missing parameter \(i)") }
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
            guard let scale = try inputs.constant(1)?.floats, scale.count == size || scale.count == 1 else {
                throw fail(node, "scale must be a constant of \(size) values")
            }
            let bias = try inputs.constant(2)?.floats ?? [0]
            guard bias.count == size || bias.count == 1 else { throw fail(node, "bias must be a constant of \(size) values") }
            return try emit(node, .layerNorm(rows: shape[..<a].reduce(1, *), size: size, epsilon: epsilon,
                                             scale: scale.count == size ? scale : [Float](repeating: scale[0], count: size),
                                             bias: bias.count == size ? bias : [Float](repeating: bias[0], count: size)),
                            inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .softmax(let axis, let coerced), .logSoftmax(let axis, let coerced):
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis \(axis)") }
            var log = false
            if case .logSoftmax = node.op { log = true }
            let outer = shape[..<a].reduce(1, *)
            let axisLen = coerced ? shape[a...].reduce(1, *) : shape[a]
            let inner = coerced ? 1 : shape[(a + 1)...].reduce(1, *)
            return try emit(node, .softmax(outer: outer, axis: axisLen, inner: inner, log: log), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        default:
            throw fail(node, "not a normalisation operator")
        }
    }
}
