/// NumPy-style broadcasting of two shapes, and elementwise binary arithmetic over it.
public enum Broadcast {
    /// The broadcast shape, or nil when the shapes are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides of `shape` viewed at `outShape` (0 along broadcast axes).
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let rank = outShape.count
        let own = shape.rowMajorStrides
        return (0..<rank).map { i in
            let j = i - (rank - shape.count)
            return j < 0 || shape[j] == 1 ? 0 : own[j]
        }
    }

    /// For each element of `outShape`, the flat index of the element of `shape` broadcast to it:
    /// the forward broadcast itself run on the indices of `shape`.
    static func offsets(of shape: [Int], in outShape: [Int]) -> [Int] {
        let indices = Array(0..<shape.elementCount)
        var result = [Int](repeating: 0, count: outShape.elementCount)
        var zero = 0
        indices.withUnsafeBufferPointer { a in result.withUnsafeMutableBufferPointer { out in
            Broadcast.apply(a.baseAddress!, shape, &zero, [1], into: out.baseAddress!, outShape: outShape) { i, _ in i }
        } }
        return result
    }

    /// out[i] = op(a[i'], b[i'']) over the broadcast shape. The innermost axis runs as a tight loop.
    public static func apply<T>(_ a: UnsafePointer<T>, _ aShape: [Int], _ b: UnsafePointer<T>, _ bShape: [Int],
                                into out: UnsafeMutablePointer<T>, outShape: [Int], _ op: (T, T) -> T) {
        let count = outShape.elementCount
        if count == 0 { return }
        if aShape == bShape && aShape.elementCount == count {
            for i in 0..<count { out[i] = op(a[i], b[i]) }
            return
        }
        if bShape.elementCount == 1 && aShape.elementCount == count {
            let bv = b[0]
            for i in 0..<count { out[i] = op(a[i], bv) }
            return
        }
        if aShape.elementCount == 1 && bShape.elementCount == count {
            let av = a[0]
            for i in 0..<count { out[i] = op(av, b[i]) }
            return
        }
        // Collapse the trailing axes where neither operand broadcasts into one inner run.
        let rank = outShape.count
        let sa = strides(of: aShape, in: outShape), sb = strides(of: bShape, in: outShape)
        let inner = outShape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var pa = 0, pb = 0, o = 0
        while o < count {
            if ia == 1 && ib == 1 {
                for i in 0..<inner { out[o + i] = op(a[pa + i], b[pb + i]) }
            } else if ia == 1 && ib == 0 {
                let bv = b[pb]
                for i in 0..<inner { out[o + i] = op(a[pa + i], bv) }
            } else if ia == 0 && ib == 1 {
                let av = a[pa]
                for i in 0..<inner { out[o + i] = op(av, b[pb + i]) }
            } else {
                for i in 0..<inner { out[o + i] = op(a[pa + i * ia], b[pb + i * ib]) }
            }
            o += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                pa += sa[axis]; pb += sb[axis]
                if index[axis] < outShape[axis] { break }
                pa -= sa[axis] * outShape[axis]; pb -= sb[axis] * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
            if rank == 1 { break }
        }
    }

    /// Float arithmetic over `outShape`: same-shaped operands run as one flat loop per operator
    /// (the generic `apply` calls a closure per element, which does not vectorise).
    public static func floatArithmetic(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
                                       into out: UnsafeMutablePointer<Float>, outShape: [Int]) {
        let count = outShape.elementCount
        guard aShape == bShape, aShape.elementCount == count else {
            apply(a, aShape, b, bShape, into: out, outShape: outShape, floatOp(op))
            return
        }
        switch op {
        case .add: for i in 0..<count { out[i] = a[i] + b[i] }
        case .sub: for i in 0..<count { out[i] = a[i] - b[i] }
        case .mul: for i in 0..<count { out[i] = a[i] * b[i] }
        case .div: for i in 0..<count { out[i] = a[i] / b[i] }
        }
    }

    /// The float closure for an arithmetic operator.
    public static func floatOp(_ op: BinaryOp) -> (Float, Float) -> Float {
        switch op {
        case .add: return { $0 + $1 }
        case .sub: return { $0 - $1 }
        case .mul: return { $0 * $1 }
        case .div: return { $0 / $1 }
        }
    }

    /// The int64 closure (integer division truncates, as ONNX's reference does for ints).
    public static func intOp(_ op: BinaryOp) -> (Int64, Int64) -> Int64 {
        switch op {
        case .add: return { $0 &+ $1 }
        case .sub: return { $0 &- $1 }
        case .mul: return { $0 &* $1 }
        case .div: return { $1 == 0 ? 0 : $0 / $1 }
        }
    }
}
