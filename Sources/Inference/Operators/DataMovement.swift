/// Concat, Split, Slice, Pad, Transpose, Gather: data moved, not computed. The rules that turn
/// attributes and inputs into a kernel's parameters are shared by folding (shape subgraphs on
/// constants, int64 or float) and lowering (run-time data through the `Layout` kernels).
enum DataMovement {
    /// Slice's per-axis start/count/step from the attribute form (opset < 10) or inputs 1-4.
    static func sliceAxes(_ shape: [Int], _ op: Operator, _ inputs: PlanTimeInputs) throws(InferenceError) -> [Layout.SliceAxis] {
        guard case let .slice(attrStarts, attrEnds, attrAxes) = op else { throw inputs.fail("not a slice") }
        let starts = try inputs.attributeOrInput(attrStarts, 1), ends = try inputs.attributeOrInput(attrEnds, 2)
        guard let starts, let ends, starts.count == ends.count else { throw inputs.fail("missing starts/ends") }
        let axes = try inputs.attributeOrInput(attrAxes, 3) ?? Array(0..<starts.count)
        let steps = try inputs.ints(4) ?? [Int](repeating: 1, count: starts.count)
        var resolved = shape.map { Layout.SliceAxis(start: 0, count: $0, step: 1) }
        for (i, raw) in axes.enumerated() {
            guard let a = Layout.axis(raw, rank: shape.count), i < steps.count, steps[i] != 0 else { throw inputs.fail("bad axis") }
            resolved[a] = Layout.sliceAxis(start: Int64(starts[i]), end: Int64(ends[i]), step: Int64(steps[i]), dim: shape[a])
        }
        return resolved
    }

    /// Gather's axis, in-range indices and output shape.
    static func gather(_ shape: [Int], axis: Int, _ inputs: PlanTimeInputs) throws(InferenceError) -> (axis: Int, indices: [Int], out: [Int]) {
        guard let a = Layout.axis(axis, rank: shape.count), let idx = try inputs.constant(1) else { throw inputs.fail("indices must be constant") }
        var indices: [Int] = []
        for raw in idx.int64s {
            let i = Int(raw) < 0 ? Int(raw) + shape[a] : Int(raw)
            guard i >= 0, i < shape[a] else { throw inputs.fail("index \(raw) out of range for axis of \(shape[a])") }
            indices.append(i)
        }
        return (a, indices, Array(shape[..<a]) + idx.shape + Array(shape[(a + 1)...]))
    }

    /// Concat's axis and output shape; the inputs must agree outside the axis.
    static func concat(_ shapes: [[Int]], axis: Int, _ inputs: PlanTimeInputs) throws(InferenceError) -> (axis: Int, out: [Int]) {
        guard let first = shapes.first, let a = Layout.axis(axis, rank: first.count) else { throw inputs.fail("bad axis") }
        for s in shapes where s.count != first.count || (0..<s.count).contains(where: { $0 != a && s[$0] != first[$0] }) {
            throw inputs.fail("input shapes \(shapes) do not match outside axis \(a)")
        }
        var out = first
        out[a] = shapes.reduce(0) { $0 + $1[a] }
        return (a, out)
    }

    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue) throws(InferenceError) -> [ConstantValue]? {
        switch node.op {
        case .gather(let axis):
            let g = try gather(first.shape, axis: axis, inputs)
            return [map(first, g.out, LayoutBody(
                float: { Layout.gather($0, shape: first.shape, axis: g.axis, indices: g.indices, into: $1) },
                int: { Layout.gather($0, shape: first.shape, axis: g.axis, indices: g.indices, into: $1) }))]
        case .concat(let axis):
            let parts = inputs.values.compactMap { $0 }
            let c = try concat(parts.map(\.shape), axis: axis, inputs)
            if parts.allSatisfy(ShapeComputations.isInt) {
                var out = [Int64](repeating: 0, count: c.out.elementCount)
                withPointers(parts.map { $0.int64s }) { ptrs in
                    out.withUnsafeMutableBufferPointer { Layout.concat(zip(ptrs, parts.map(\.shape)).map { ($0, $1) }, axis: c.axis, into: $0.baseAddress!) }
                }
                return [.int(IntTensor(shape: c.out, data: out))]
            }
            var out = [Float](repeating: 0, count: c.out.elementCount)
            withPointers(parts.map { $0.floats }) { ptrs in
                out.withUnsafeMutableBufferPointer { Layout.concat(zip(ptrs, parts.map(\.shape)).map { ($0, $1) }, axis: c.axis, into: $0.baseAddress!) }
            }
            return [.float(Tensor(shape: c.out, data: out))]
        case .slice:
            let resolved = try sliceAxes(first.shape, node.op, inputs)
            return [map(first, resolved.map(\.count), LayoutBody(
                float: { Layout.slice($0, shape: first.shape, axes: resolved, into: $1) },
                int: { Layout.slice($0, shape: first.shape, axes: resolved, into: $1) }))]
        case .transpose(let perm):
            let p = perm ?? Array((0..<first.shape.count).reversed())
            return [map(first, p.map { first.shape[$0] }, LayoutBody(
                float: { Layout.transpose($0, shape: first.shape, perm: p, into: $1) },
                int: { Layout.transpose($0, shape: first.shape, perm: p, into: $1) }))]
        default:
            return nil
        }
    }

    /// Applies a generic layout kernel to either element type.
    static func map(_ v: ConstantValue, _ outShape: [Int], _ body: LayoutBody) -> ConstantValue {
        switch v {
        case .float(let t):
            var out = [Float](repeating: 0, count: outShape.elementCount)
            t.data.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in body.run(s.baseAddress!, d.baseAddress!) } }
            return .float(Tensor(shape: outShape, data: out))
        case .int(let t):
            var out = [Int64](repeating: 0, count: outShape.elementCount)
            t.data.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in body.run(s.baseAddress!, d.baseAddress!) } }
            return .int(IntTensor(shape: outShape, data: out))
        }
    }

    static func withPointers<T>(_ arrays: [[T]], _ body: ([UnsafePointer<T>]) -> Void) {
        // Copies into stable storage so that all pointers are valid at once.
        let ptrs = arrays.map { a -> UnsafeMutablePointer<T> in
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            a.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: a.count) } }
            return p
        }
        body(ptrs.map { UnsafePointer($0) })
        for (p, a) in zip(ptrs, arrays) { p.deinitialize(count: a.count); p.deallocate() }
    }
}

/// A layout kernel usable for both float and int64 data.
struct LayoutBody {
    let float: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    let int: (UnsafePointer<Int64>, UnsafeMutablePointer<Int64>) -> Void
    func run(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>) { float(s, d) }
    func run(_ s: UnsafePointer<Int64>, _ d: UnsafeMutablePointer<Int64>) { int(s, d) }
}

extension Planner {
    mutating func lowerDataMovement(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let shape = x.shape
        let inputs = PlanTimeInputs(node: node, operands: operands)
        switch node.op {
        case .concat(let axis):
            let c = try DataMovement.concat(operands.compactMap { $0?.shape }, axis: axis, inputs)
            return try emit(node, .concat(shapes: operands.compactMap { $0?.shape }, axis: c.axis), inputs: runtimeInputs(node, operands), shape: c.out)
        case .split(let axis, let attrSizes):
            guard let a = Layout.axis(axis, rank: shape.count) else { throw fail(node, "bad axis") }
            let count = node.outputs.count
            var sizes = try inputs.attributeOrInput(attrSizes, 1)
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
        case .slice:
            let resolved = try DataMovement.sliceAxes(shape, node.op, inputs)
            return try emit(node, .slice(shape: shape, axes: resolved), inputs: [buffer(for: node.inputs[0], x)], shape: resolved.map(\.count))
        case .pad(let mode, let attrPads, let attrValue):
            let value = try inputs.constant(2)?.floats.first ?? attrValue
            var full = try inputs.attributeOrInput(attrPads, 1) ?? []
            if let axesConst = try inputs.ints(3) {
                let axes = axesConst.compactMap { Layout.axis($0, rank: shape.count) }
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
        case .transpose(let perm):
            let p = perm ?? Array((0..<shape.count).reversed())
            guard p.sorted() == Array(0..<shape.count) else { throw fail(node, "bad perm \(p)") }
            return try emit(node, .transpose(shape: shape, perm: p), inputs: [buffer(for: node.inputs[0], x)], shape: p.map { shape[$0] })
        case .gather(let axis):
            let g = try DataMovement.gather(shape, axis: axis, inputs)
            return try emit(node, .gather(shape: shape, axis: g.axis, indices: g.indices), inputs: [buffer(for: node.inputs[0], x)], shape: g.out)
        default:
            throw fail(node, "not a data-movement operator")
        }
    }
}
