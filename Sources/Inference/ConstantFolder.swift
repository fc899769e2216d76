/// Evaluates nodes whose inputs are all known before the run: the shape-only subgraphs that
/// exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape, ConstantOfShape, Range, Cast)
/// and cheap float operations on weights. Returns nil for an operator it leaves to run time.
enum ConstantFolder {
    static func evaluate(_ node: Node, _ inputs: [ConstantValue?], limit: Int) throws(InferenceError) -> [ConstantValue]? {
        func fail(_ detail: String) -> InferenceError { .shapeMismatch(node: node.name, op: node.op.name, detail: detail) }
        guard let first = inputs.first ?? nil else { return nil }
        switch node.op {
        case .identity:
            return [first]
        case .cast(let toFloat):
            if toFloat != isInt(first) { return [first] }
            return [toFloat ? .float(Tensor(shape: first.shape, data: first.floats))
                            : .int(IntTensor(shape: first.shape, data: first.floats.map { Int64($0) }))]
        case .reshape(let allowZero):
            guard inputs.count > 1, let target = inputs[1], let shape = ShapeRules.reshape(first.shape, target: target.int64s, allowZero: allowZero)
            else { throw fail("cannot reshape \(first.shape)") }
            return [reshaped(first, shape)]
        case .flatten(let axis):
            guard let shape = ShapeRules.flatten(first.shape, axis: axis) else { throw fail("bad axis \(axis)") }
            return [reshaped(first, shape)]
        case .squeeze(let axes):
            let ax = axes ?? (inputs.count > 1 ? inputs[1].map { $0.int64s.map { Int($0) } } : nil)
            guard let shape = ShapeRules.squeeze(first.shape, axes: ax) else { throw fail("cannot squeeze \(first.shape)") }
            return [reshaped(first, shape)]
        case .unsqueeze(let axes):
            guard let ax = axes ?? inputs.dropFirst().first??.int64s.map({ Int($0) }),
                  let shape = ShapeRules.unsqueeze(first.shape, axes: ax) else { throw fail("cannot unsqueeze \(first.shape)") }
            return [reshaped(first, shape)]
        case .constantOfShape(let value):
            let dims = first.int64s.map { Int($0) }
            guard dims.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension") }
            let n = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
            if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
            switch value ?? .float(Tensor(shape: [1], data: [0])) {
            case .float(let t): return [.float(Tensor(shape: dims, data: [Float](repeating: t.data.first ?? 0, count: n)))]
            case .int(let t): return [.int(IntTensor(shape: dims, data: [Int64](repeating: t.data.first ?? 0, count: n)))]
            }
        case .range:
            guard inputs.count == 3, let l = inputs[1], let d = inputs[2] else { throw fail("needs start, limit, delta") }
            if isInt(first) {
                let s = first.int64s[0], lim = l.int64s[0], delta = d.int64s[0]
                guard delta != 0 else { throw fail("delta is 0") }
                let n = max(0, Int((Double(lim - s) / Double(delta)).rounded(.up)))
                if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
                return [.int(IntTensor(shape: [n], data: (0..<n).map { s + Int64($0) * delta }))]
            }
            let s = first.floats[0], lim = l.floats[0], delta = d.floats[0]
            guard delta != 0 else { throw fail("delta is 0") }
            let n = max(0, Int(((lim - s) / delta).rounded(.up)))
            if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
            return [.float(Tensor(shape: [n], data: (0..<n).map { s + Float($0) * delta }))]
        case .gather(let axis):
            guard inputs.count > 1, let idx = inputs[1], let a = Layout.axis(axis, rank: first.shape.count) else { throw fail("bad gather") }
            let dim = first.shape[a]
            var indices: [Int] = []
            for raw in idx.int64s {
                let i = Int(raw) < 0 ? Int(raw) + dim : Int(raw)
                guard i >= 0, i < dim else { throw fail("index \(raw) out of range for axis of \(dim)") }
                indices.append(i)
            }
            let outShape = Array(first.shape[..<a]) + idx.shape + Array(first.shape[(a + 1)...])
            return [map(first, outShape, LayoutBody(
                float: { Layout.gather($0, shape: first.shape, axis: a, indices: indices, into: $1) },
                int: { Layout.gather($0, shape: first.shape, axis: a, indices: indices, into: $1) }))]
        case .concat(let axis):
            let parts = inputs.compactMap { $0 }
            guard let a = Layout.axis(axis, rank: first.shape.count) else { throw fail("bad axis") }
            var outShape = first.shape
            outShape[a] = parts.reduce(0) { $0 + $1.shape[a] }
            if parts.allSatisfy(isInt) {
                var out = [Int64](repeating: 0, count: outShape.elementCount)
                let arrays = parts.map { $0.int64s }
                withPointers(arrays) { ptrs in
                    out.withUnsafeMutableBufferPointer { Layout.concat(zip(ptrs, parts.map(\.shape)).map { ($0, $1) }, axis: a, into: $0.baseAddress!) }
                }
                return [.int(IntTensor(shape: outShape, data: out))]
            }
            var out = [Float](repeating: 0, count: outShape.elementCount)
            let arrays = parts.map { $0.floats }
            withPointers(arrays) { ptrs in
                out.withUnsafeMutableBufferPointer { Layout.concat(zip(ptrs, parts.map(\.shape)).map { ($0, $1) }, axis: a, into: $0.baseAddress!) }
            }
            return [.float(Tensor(shape: outShape, data: out))]
        case .slice(let attrStarts, let attrEnds, let attrAxes):
            let rank = first.shape.count
            let starts = attrStarts.map { $0.map(Int64.init) } ?? inputs[safe: 1]??.int64s
            let ends = attrEnds.map { $0.map(Int64.init) } ?? inputs[safe: 2]??.int64s
            guard let starts, let ends, starts.count == ends.count else { throw fail("missing starts/ends") }
            let axes = attrAxes.map { $0.map(Int64.init) } ?? inputs[safe: 3]??.int64s ?? (0..<Int64(starts.count)).map { $0 }
            let steps = inputs[safe: 4]??.int64s ?? [Int64](repeating: 1, count: starts.count)
            var resolved = first.shape.map { Layout.SliceAxis(start: 0, count: $0, step: 1) }
            for (i, axRaw) in axes.enumerated() {
                guard let ax = Layout.axis(Int(axRaw), rank: rank), i < steps.count, steps[i] != 0 else { throw fail("bad slice axis") }
                resolved[ax] = Layout.sliceAxis(start: starts[i], end: ends[i], step: steps[i], dim: first.shape[ax])
            }
            return [map(first, resolved.map(\.count), LayoutBody(
                float: { Layout.slice($0, shape: first.shape, axes: resolved, into: $1) },
                int: { Layout.slice($0, shape: first.shape, axes: resolved, into: $1) }))]
        case .transpose(let perm):
            let p = perm ?? Array((0..<first.shape.count).reversed())
            return [map(first, p.map { first.shape[$0] }, LayoutBody(
                float: { Layout.transpose($0, shape: first.shape, perm: p, into: $1) },
                int: { Layout.transpose($0, shape: first.shape, perm: p, into: $1) }))]
        case .binary(let op):
            guard inputs.count == 2, let b = inputs[1], let outShape = Broadcast.shape(first.shape, b.shape) else { throw fail("incompatible shapes") }
            if isInt(first) && isInt(b) {
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
                Broadcast.apply(xp.baseAddress!, first.shape, yp.baseAddress!, b.shape, into: o.baseAddress!, outShape: outShape, Broadcast.floatOp(op))
            } } }
            return [.float(Tensor(shape: outShape, data: out))]
        default:
            return nil
        }
    }

    static func isInt(_ v: ConstantValue) -> Bool {
        if case .int = v { return true }
        return false
    }

    static func reshaped(_ v: ConstantValue, _ shape: [Int]) -> ConstantValue {
        switch v {
        case .float(let t): return .float(Tensor(shape: shape, data: t.data))
        case .int(let t): return .int(IntTensor(shape: shape, data: t.data))
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
