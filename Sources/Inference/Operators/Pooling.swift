/// MaxPool, AveragePool, the global pools and the Reduce operators: windows or axes summarised
/// by one value. A ReduceMean over the spatial axes is a global average pool.
extension Planner {
    mutating func lowerPooling(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let shape = x.shape
        switch node.op {
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
            let axesRaw = try PlanTimeInputs(node: node, operands: operands).attributeOrInput(attrAxes, 1)
            if (axesRaw ?? []).isEmpty && noop { return try alias(node, x, [x]) }
            let axes = Set((axesRaw.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<shape.count)).compactMap { Layout.axis($0, rank: shape.count) })
            let out = keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                               : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            if op == .mean && axes == Set(2..<shape.count) && shape.count >= 3 {
                return try emit(node, .globalAverage(planes: shape[0] * shape[1], size: shape[2...].reduce(1, *)), inputs: [buffer(for: node.inputs[0], x)], shape: out)
            }
            return try emit(node, .reduce(op, shape: shape, axes: axes), inputs: [buffer(for: node.inputs[0], x)], shape: out)
        default:
            throw fail(node, "not a pooling operator")
        }
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
}
