/// Shape, ConstantOfShape, Range and Cast: the shape arithmetic exporters emit ahead of a
/// Reshape. Only ever folded (their results must be known before the run); Shape of a run-time
/// value is known from the plan's shapes.
enum ShapeComputations {
    /// ONNX Shape's output: the dims of `input` from `start` to `end` (negative counts from the end, clamped).
    static func shapeSlice(_ input: [Int], start: Int, end: Int?) -> IntTensor {
        let r = input.count
        let s = max(0, min(r, start < 0 ? start + r : start))
        let e = max(s, min(r, end.map { $0 < 0 ? $0 + r : $0 } ?? r))
        return IntTensor(shape: [e - s], data: input[s..<e].map { Int64($0) })
    }

    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue, limit: Int) throws(InferenceError) -> [ConstantValue]? {
        switch node.op {
        case .cast(let toFloat):
            if toFloat != isInt(first) { return [first] }
            return [toFloat ? .float(Tensor(shape: first.shape, data: first.floats))
                            : .int(IntTensor(shape: first.shape, data: first.floats.map { Int64($0) }))]
        case .constantOfShape(let value):
            let dims = first.int64s.map { Int($0) }
            guard dims.allSatisfy({ $0 >= 0 }) else { throw inputs.fail("negative dimension") }
            let n = checkedCount(dims)
            if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
            switch value ?? .float(Tensor(shape: [1], data: [0])) {
            case .float(let t): return [.float(Tensor(shape: dims, data: [Float](repeating: t.data.first ?? 0, count: n)))]
            case .int(let t): return [.int(IntTensor(shape: dims, data: [Int64](repeating: t.data.first ?? 0, count: n)))]
            }
        case .range:
            guard let l = try inputs.constant(1), let d = try inputs.constant(2) else { throw inputs.fail("needs start, limit, delta") }
            if isInt(first) {
                let s = first.int64s[0], lim = l.int64s[0], delta = d.int64s[0]
                guard delta != 0 else { throw inputs.fail("delta is 0") }
                let n = max(0, Int((Double(lim - s) / Double(delta)).rounded(.up)))
                if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
                return [.int(IntTensor(shape: [n], data: (0..<n).map { s + Int64($0) * delta }))]
            }
            let s = first.floats[0], lim = l.floats[0], delta = d.floats[0]
            guard delta != 0 else { throw inputs.fail("delta is 0") }
            let n = max(0, Int(((lim - s) / delta).rounded(.up)))
            if n > limit { throw .tensorTooLarge(node: node.name, elements: n, limit: limit) }
            return [.float(Tensor(shape: [n], data: (0..<n).map { s + Float($0) * delta }))]
        default:
            return nil
        }
    }

    /// Elements of `shape`, Int.max when the product overflows (compared with a limit before
    /// anything is allocated).
    static func checkedCount(_ shape: [Int]) -> Int {
        shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
    }

    static func isInt(_ v: ConstantValue) -> Bool {
        if case .int = v { return true }
        return false
    }
}
