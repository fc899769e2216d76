/// Activations, Clip, PRelu, the four arithmetic operators and Sum: one value out per value in,
/// operands broadcast NumPy-style. Arithmetic is also folded (int64 shape arithmetic, float
/// constants).
enum Elementwise {
    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue) throws(InferenceError) -> [ConstantValue]? {
        guard case .binary(let op) = node.op else { return nil }
        guard let b = try inputs.constant(1), let outShape = Broadcast.shape(first.shape, b.shape) else { throw inputs.fail("incompatible shapes") }
        if ShapeComputations.isInt(first) && ShapeComputations.isInt(b) {
            var out = [Int64](repeating: 0, count: outShape.elementCount)
            let x = first.int64s, y = b.int64s
            x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in out.withUnsafeMutableBufferPointer { o in
                Broadcast.apply(xp.baseAddress!, first.shape, yp.baseAddress!, b.shape, into: o.baseAddress!, outShape: outShape, Broadcast.intOp(op))
            } } }
            return [.int(IntTensor(shape: outShape, data: out))]
        }
        var out = [Float](repeating: 0, count: outShape.elementCount)
        let x = first.floats, y = b.floats
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in out.withUnsafeMutableBufferPointer { o in
            Broadcast.floatArithmetic(op, xp.baseAddress!, first.shape, yp.baseAddress!, b.shape, into: o.baseAddress!, outShape: outShape)
        } } }
        return [.float(Tensor(shape: outShape, data: out))]
    }
}

extension Planner {
    mutating func lowerElementwise(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let shape = x.shape
        switch node.op {
        case .activation(let a):
            return try emit(node, .activation(a, count: shape.elementCount), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .clip(let lo, let hi):
            let inputs = PlanTimeInputs(node: node, operands: operands)
            let low = try inputs.constant(1)?.floats.first ?? lo ?? -Float.greatestFiniteMagnitude
            let high = try inputs.constant(2)?.floats.first ?? hi ?? Float.greatestFiniteMagnitude
            return try emit(node, .activation(.clip(min: low, max: high), count: shape.elementCount), inputs: [buffer(for: node.inputs[0], x)], shape: shape)
        case .prelu:
            guard let s = operands[safe: 1] ?? nil, let out = Broadcast.shape(shape, s.shape), out == shape else { throw fail(node, "slope does not broadcast") }
            return try emit(node, .prelu(x: shape, slope: s.shape, out: out), inputs: runtimeInputs(node, operands), shape: out)
        case .binary(let op):
            guard let b = operands[safe: 1] ?? nil, let out = Broadcast.shape(shape, b.shape) else {
                throw fail(node, "shapes \(shape) and \(operands[safe: 1]??.shape ?? []) do not broadcast")
            }
            return try emit(node, .binary(op, a: shape, b: b.shape, out: out), inputs: runtimeInputs(node, operands), shape: out)
        case .sum:
            let shapes = operands.compactMap { $0?.shape }
            guard var out = shapes.first else { throw fail(node, "no inputs") }
            for s in shapes.dropFirst() {
                guard let o = Broadcast.shape(out, s) else { throw fail(node, "shapes do not broadcast") }
                out = o
            }
            return try emit(node, .sum(shapes: shapes, out: out), inputs: runtimeInputs(node, operands), shape: out)
        default:
            throw fail(node, "not an elementwise operator")
        }
    }
}
