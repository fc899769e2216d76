/// Identity, Reshape, Flatten, Squeeze, Unsqueeze (and Cast to float): a new shape over the same
/// data. Folded on constants; at run time the output shares the input's buffer (no kernel).
enum Reshaping {
    /// The output shape of a reshaping node on an input of `shape`.
    static func outputShape(_ op: Operator, _ shape: [Int], _ inputs: PlanTimeInputs) throws(InferenceError) -> [Int] {
        let out: [Int]?
        switch op {
        case .reshape(let allowZero):
            guard let target = try inputs.constant(1) else { throw inputs.fail("missing shape") }
            out = reshape(shape, target: target.int64s, allowZero: allowZero)
        case .flatten(let axis):
            out = flatten(shape, axis: axis)
        case .squeeze(let axes):
            out = squeeze(shape, axes: try inputs.attributeOrInput(axes, 1))
        case .unsqueeze(let axes):
            guard let ax = try inputs.attributeOrInput(axes, 1) else { throw inputs.fail("missing axes") }
            out = unsqueeze(shape, axes: ax)
        default:
            out = shape
        }
        guard let out else { throw inputs.fail("cannot reshape \(shape)") }
        return out
    }

    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue) throws(InferenceError) -> [ConstantValue] {
        [reshaped(first, try outputShape(node.op, first.shape, inputs))]
    }

    static func reshaped(_ v: ConstantValue, _ shape: [Int]) -> ConstantValue {
        switch v {
        case .float(let t): return .float(Tensor(shape: shape, data: t.data))
        case .int(let t): return .int(IntTensor(shape: shape, data: t.data))
        }
    }

    static func reshape(_ input: [Int], target: [Int64], allowZero: Bool) -> [Int]? {
        var out = target.enumerated().map { i, d -> Int in
            if d == 0 && !allowZero { return i < input.count ? input[i] : -2 }
            return Int(d)
        }
        if out.contains(-2) { return nil }
        let known = out.filter { $0 != -1 }.reduce(1, *)
        let total = input.elementCount
        if let unknown = out.firstIndex(of: -1) {
            guard out.filter({ $0 == -1 }).count == 1, known > 0, total % known == 0 else { return nil }
            out[unknown] = total / known
        }
        guard out.allSatisfy({ $0 >= 0 }), out.elementCount == total else { return nil }
        return out
    }

    static func flatten(_ input: [Int], axis: Int) -> [Int]? {
        let a = axis < 0 ? axis + input.count : axis
        guard a >= 0, a <= input.count else { return nil }
        return [input[..<a].reduce(1, *), input[a...].reduce(1, *)]
    }

    static func squeeze(_ input: [Int], axes: [Int]?) -> [Int]? {
        guard let axes else { return input.filter { $0 != 1 } }
        var drop = Set<Int>()
        for a in axes {
            guard let n = Layout.axis(a, rank: input.count), input[n] == 1 else { return nil }
            drop.insert(n)
        }
        return input.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
    }

    static func unsqueeze(_ input: [Int], axes: [Int]) -> [Int]? {
        let rank = input.count + axes.count
        var insert = Set<Int>()
        for a in axes {
            let n = a < 0 ? a + rank : a
            guard n >= 0, n < rank, !insert.contains(n) else { return nil }
            insert.insert(n)
        }
        var out: [Int] = []
        var it = input.makeIterator()
        for i in 0..<rank { out.append(insert.contains(i) ? 1 : it.next()!) }
        return out
    }
}

extension Planner {
    /// Reshaping operators share the input's buffer: no copy, only a new shape.
    mutating func alias(_ node: Node, _ x: Value, _ operands: [Value?]) throws(InferenceError) -> [Value] {
        let out = try Reshaping.outputShape(node.op, x.shape, PlanTimeInputs(node: node, operands: operands))
        switch x {
        case .constant(let c): return [.constant(Reshaping.reshaped(c, out))]
        case .weight: throw .unsupported(node: node.name, op: node.op.name, detail: "reshaping a stored weight")
        case .runtime(let b, _):
            buffers[b].lastUse = max(buffers[b].lastUse, steps.count)
            return [.runtime(buffer: b, shape: out)]
        }
    }
}
