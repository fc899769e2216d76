#if canImport(Glibc)
import Glibc
#endif

/// Expand, Pow and Sqrt. All three fold. At run time Expand is a broadcast addition of zeros
/// (so it has the addition's kernels and backward rule), and Pow with an exponent of 1, 2 or 3
/// is that many products (x·x: the square in a LayerNorm written out, x·x·x in tanh-GELU).
/// A LayerNorm written out whole becomes one LayerNormalization at load
/// (`GraphRewriter+LayerNorm.swift`), so its Sqrt never runs; any other run-time Sqrt or Pow is
/// an error naming the node.
enum ExpandAndPowers {
    static func fold(_ node: Node, _ inputs: PlanTimeInputs, _ first: ConstantValue, limit: Int) throws(InferenceError) -> [ConstantValue]? {
        switch node.op {
        case .expand:
            let out = try expandedShape(first.shape, inputs, limit: limit, node: node.name)
            let map = Broadcast.offsets(of: first.shape, in: out)
            if ShapeComputations.isInt(first) {
                let x = first.int64s
                return [.int(IntTensor(shape: out, data: map.map { x[$0] }))]
            }
            let x = first.floats
            return [.float(Tensor(shape: out, data: map.map { x[$0] }))]
        case .pow:
            guard let e = try inputs.constant(1), let out = Broadcast.shape(first.shape, e.shape) else { throw inputs.fail("incompatible shapes") }
            let count = ShapeComputations.checkedCount(out)
            if count > limit { throw .tensorTooLarge(node: node.name, elements: count, limit: limit) }
            let x = PlanTimeLogic.doubles(first), y = PlanTimeLogic.doubles(e)
            let ia = Broadcast.offsets(of: first.shape, in: out), ib = Broadcast.offsets(of: e.shape, in: out)
            let values = (0..<count).map { Glibc.pow(x[ia[$0]], y[ib[$0]]) }
            if ShapeComputations.isInt(first) {
                // An integer result must be a whole number in range (not NaN, not 10³⁰).
                var ints: [Int64] = []
                for v in values {
                    guard let i = Int64(exactly: v.rounded(.towardZero)) else { throw inputs.fail("integer Pow result \(v) out of range") }
                    ints.append(i)
                }
                return [.int(IntTensor(shape: out, data: ints))]
            }
            return [.float(Tensor(shape: out, data: values.map { Float($0) }))]
        case .sqrt:
            return [.float(Tensor(shape: first.shape, data: first.floats.map { $0.squareRoot() }))]
        default:
            return nil
        }
    }

    /// Expand's output: `x` and the shape input broadcast together (a 1 in either keeps the
    /// other), refused when over `limit` elements (counted without overflow).
    static func expandedShape(_ x: [Int], _ inputs: PlanTimeInputs, limit: Int, node: String) throws(InferenceError) -> [Int] {
        guard let target = try inputs.ints(1) else { throw inputs.fail("needs a shape") }
        guard target.allSatisfy({ $0 >= 0 }), let out = Broadcast.shape(x, target) else {
            throw inputs.fail("cannot expand \(x) to \(target)")
        }
        let count = ShapeComputations.checkedCount(out)
        if count > limit { throw .tensorTooLarge(node: node, elements: count, limit: limit) }
        return out
    }
}

extension Planner {
    mutating func lowerExpandOrPower(_ node: Node, _ operands: [Value?], _ x: Value) throws(InferenceError) -> [Value] {
        let inputs = PlanTimeInputs(node: node, operands: operands)
        let xb = buffer(for: node.inputs[0], x)
        switch node.op {
        case .expand:
            let out = try ExpandAndPowers.expandedShape(x.shape, inputs, limit: limit, node: node.name)
            // Zeros of the smallest shape that broadcasts x to `out`: ones where x already has the extent.
            let rank = out.count
            let zerosShape = (0..<rank).map { i -> Int in
                let j = i - (rank - x.shape.count)
                return j >= 0 && x.shape[j] == out[i] ? 1 : out[i]
            }
            // Named by the output (unique in a graph; node names need not be) and the shape.
            let zeros = buffer(for: "\(node.outputs[0])/expand-zeros\(zerosShape)", .constant(.float(Tensor(shape: zerosShape, data: [Float](repeating: 0, count: zerosShape.elementCount)))))
            return try emit(node, .binary(.add, a: x.shape, b: zerosShape, out: out), inputs: [xb, zeros], shape: out)
        case .pow:
            guard let e = try inputs.constant(1), e.shape.elementCount == 1, let exponent = e.floats.first,
                  [1, 2, 3].contains(exponent) else {
                throw .unsupported(node: node.name, op: "Pow", detail: "run-time Pow is supported with an exponent of 1, 2 or 3 only")
            }
            if exponent == 1 { return [x] }
            var result = try emit(node, .binary(.mul, a: x.shape, b: x.shape, out: x.shape), inputs: [xb, xb], shape: x.shape)
            if exponent == 3, case .runtime(let square, _) = result[0] {
                buffers[square].lastUse = max(buffers[square].lastUse, steps.count)
                result = try emit(node, .binary(.mul, a: x.shape, b: x.shape, out: x.shape), inputs: [square, buffer(for: node.inputs[0], x)],
                                  shape: x.shape)
            }
            return result
        default:
            throw .unsupported(node: node.name, op: node.op.name,
                               detail: "run-time Sqrt outside a LayerNorm written out in full (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div)")
        }
    }
}
