/// Equal/Less/Greater, Not, Where, Mod and ScatterND: the boolean and index arithmetic exporters
/// emit around shapes — torch's `expand(n, -1, -1)` becomes Equal → Where → Expand, Swin's
/// attention mask ConstantOfShape → ScatterND → Mod/Not/Where. Only ever folded: every input
/// derives from shapes and constants, so the results are known before the run (a run-time input
/// is an error naming it). Booleans are 0/1 integers.
enum PlanTimeLogic {
    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue, limit: Int) throws(InferenceError) -> [ConstantValue]? {
        /// The broadcast output, refused before anything is allocated when over the limit.
        func output(_ shapes: [Int]...) throws(InferenceError) -> [Int] {
            var out: [Int] = []
            for s in shapes {
                guard let o = Broadcast.shape(out, s) else { throw inputs.fail("incompatible shapes") }
                out = o
            }
            let count = ShapeComputations.checkedCount(out)
            if count > limit { throw .tensorTooLarge(node: node.name, elements: count, limit: limit) }
            return out
        }
        switch node.op {
        case .compare(let op):
            guard let b = try inputs.constant(1) else { throw inputs.fail("needs two inputs") }
            let out = try output(first.shape, b.shape)
            let ia = Broadcast.offsets(of: first.shape, in: out), ib = Broadcast.offsets(of: b.shape, in: out)
            func compared<T: Comparable>(_ x: [T], _ y: [T]) -> [Int64] {
                (0..<out.elementCount).map { o -> Int64 in
                    let (p, q) = (x[ia[o]], y[ib[o]])
                    switch op {
                    case .equal: return p == q ? 1 : 0
                    case .less: return p < q ? 1 : 0
                    case .greater: return p > q ? 1 : 0
                    }
                }
            }
            // Integers as integers (shapes past 2⁵³ stay distinct), anything else as Double.
            let result = ShapeComputations.isInt(first) && ShapeComputations.isInt(b) ? compared(first.int64s, b.int64s) : compared(doubles(first), doubles(b))
            return [.int(IntTensor(shape: out, data: result))]
        case .not:
            return [.int(IntTensor(shape: first.shape, data: truth(first).map { $0 ? 0 : 1 }))]
        case .where:
            guard let x = try inputs.constant(1), let y = try inputs.constant(2) else { throw inputs.fail("needs three inputs") }
            let out = try output(first.shape, x.shape, y.shape)
            let c = truth(first).map { Int64($0 ? 1 : 0) }
            let ic = Broadcast.offsets(of: first.shape, in: out), ix = Broadcast.offsets(of: x.shape, in: out), iy = Broadcast.offsets(of: y.shape, in: out)
            if ShapeComputations.isInt(x) && ShapeComputations.isInt(y) {
                let a = x.int64s, b = y.int64s
                return [.int(IntTensor(shape: out, data: (0..<out.elementCount).map { c[ic[$0]] != 0 ? a[ix[$0]] : b[iy[$0]] }))]
            }
            let a = x.floats, b = y.floats
            return [.float(Tensor(shape: out, data: (0..<out.elementCount).map { c[ic[$0]] != 0 ? a[ix[$0]] : b[iy[$0]] }))]
        case .mod(let fmod):
            guard let b = try inputs.constant(1) else { throw inputs.fail("needs two inputs") }
            let out = try output(first.shape, b.shape)
            let ia = Broadcast.offsets(of: first.shape, in: out), ib = Broadcast.offsets(of: b.shape, in: out)
            if ShapeComputations.isInt(first) && ShapeComputations.isInt(b) {
                let x = first.int64s, y = b.int64s
                guard !y.contains(0) else { throw inputs.fail("integer modulo by zero") }
                return [.int(IntTensor(shape: out, data: (0..<out.elementCount).map { o in
                    let r = x[ia[o]].remainderReportingOverflow(dividingBy: y[ib[o]]).partialValue   // Int64.min % −1 is 0
                    // fmod keeps the dividend's sign (C); otherwise the divisor's (Python, NumPy).
                    return !fmod && r != 0 && (r < 0) != (y[ib[o]] < 0) ? r + y[ib[o]] : r
                }))]
            }
            guard fmod else { throw inputs.fail("float Mod needs fmod=1") }
            let x = first.floats, y = b.floats
            return [.float(Tensor(shape: out, data: (0..<out.elementCount).map { x[ia[$0]].truncatingRemainder(dividingBy: y[ib[$0]]) }))]
        case .scatterND:
            guard let indices = try inputs.constant(1), let updates = try inputs.constant(2), ShapeComputations.isInt(indices) else {
                throw inputs.fail("needs integer indices and updates")
            }
            let shape = first.shape, k = indices.shape.last ?? 0
            guard k >= 1, k <= shape.count else { throw inputs.fail("index depth \(k) for a rank-\(shape.count) tensor") }
            let slice = shape[k...].reduce(1, *), count = indices.shape.dropLast().reduce(1, *)
            guard updates.shape.elementCount == count * slice else { throw inputs.fail("updates of shape \(updates.shape)") }
            let strides = shape.rowMajorStrides, idx = indices.int64s
            var offsets: [Int] = []
            for i in 0..<count {
                var offset = 0
                for d in 0..<k {
                    var v = Int(idx[i * k + d])
                    if v < 0 { v += shape[d] }
                    guard (0..<shape[d]).contains(v) else { throw inputs.fail("index \(idx[i * k + d]) outside axis \(d) of \(shape[d])") }
                    offset += v * strides[d]
                }
                offsets.append(offset)
            }
            if ShapeComputations.isInt(first) {
                var data = first.int64s
                let u = updates.int64s
                for (i, o) in offsets.enumerated() { for j in 0..<slice { data[o + j] = u[i * slice + j] } }
                return [.int(IntTensor(shape: shape, data: data))]
            }
            var data = first.floats
            let u = updates.floats
            for (i, o) in offsets.enumerated() { for j in 0..<slice { data[o + j] = u[i * slice + j] } }
            return [.float(Tensor(shape: shape, data: data))]
        default:
            return nil
        }
    }

    /// Each element as an ONNX boolean (non-zero; NaN counts as true, as in C).
    static func truth(_ v: ConstantValue) -> [Bool] {
        switch v {
        case .float(let t): return t.data.map { $0 != 0 }
        case .int(let t): return t.data.map { $0 != 0 }
        }
    }

    static func doubles(_ v: ConstantValue) -> [Double] {
        switch v {
        case .float(let t): return t.data.map(Double.init)
        case .int(let t): return t.data.map(Double.init)
        }
    }
}
