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

    /// Float arithmetic over `outShape`. Same-shaped operands, a scalar, and a vector repeated
    /// along the leading axes (a bias after a matrix product, [N] + [L, N]) run as flat loops per
    /// operator, in fixed blocks of rows over the threads (the generic `apply` calls a closure
    /// per element, which does not vectorise); other broadcasts take `apply`.
    public static func floatArithmetic(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
                                       into out: UnsafeMutablePointer<Float>, outShape: [Int], threads: Int = 1) {
        let count = outShape.elementCount
        let aCount = aShape.elementCount, bCount = bShape.elementCount
        // Each operand's row length: the whole row (count) when it is full size, 1 for a scalar,
        // n for a vector repeating over the rows; nil when the broadcast is another kind.
        func row(_ shape: [Int], _ own: Int) -> Int? {
            if own == count { return count }
            if own == 1 { return 1 }
            let trailing = Array(shape.drop { $0 == 1 })
            return outShape.suffix(trailing.count).elementsEqual(trailing) ? own : nil
        }
        guard count > 0, let ra = row(aShape, aCount), let rb = row(bShape, bCount), ra == count || rb == count else {
            apply(a, aShape, b, bShape, into: out, outShape: outShape, floatOp(op))
            return
        }
        // Rows of the full-size operand: the repeating vector's length, or blocks of 16384 when
        // the other operand is full-size too or a scalar.
        let period = Swift.min(ra, rb)
        let width = period == count || period == 1 ? Swift.min(count, 1 << 14) : period
        let rows = (count + width - 1) / width
        let perBlock = Swift.max(1, (1 << 16) / width)
        let blocks = (rows + perBlock - 1) / perBlock
        let workers = Swift.min(Swift.max(threads, 1), blocks)
        Conv2D.parallel(workers) { worker in
            for block in stride(from: worker, to: blocks, by: workers) {
                for r in (block * perBlock)..<Swift.min(rows, (block + 1) * perBlock) {
                    let start = r * width, len = Swift.min(width, count - start)
                    let x = ra == count ? a + start : a, y = rb == count ? b + start : b
                    arithmeticRow(op, x, ra == 1 ? .scalar : .vector, y, rb == 1 ? .scalar : .vector, into: out + start, count: len)
                }
            }
        }
    }

    /// How an operand of `arithmeticRow` is read: one value for every element, or element by element.
    enum RowOperand { case scalar, vector }

    /// out[i] = a[i] ∘ b[i] for one contiguous row, a loop per operator and operand kind.
    @inline(__always)
    static func arithmeticRow(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ ka: RowOperand, _ b: UnsafePointer<Float>, _ kb: RowOperand,
                              into y: UnsafeMutablePointer<Float>, count n: Int) {
        switch (ka, kb) {
        case (.vector, .vector):
            switch op {
            case .add: for i in 0..<n { y[i] = a[i] + b[i] }
            case .sub: for i in 0..<n { y[i] = a[i] - b[i] }
            case .mul: for i in 0..<n { y[i] = a[i] * b[i] }
            case .div: for i in 0..<n { y[i] = a[i] / b[i] }
            }
        case (.vector, .scalar):
            let v = b[0]
            switch op {
            case .add: for i in 0..<n { y[i] = a[i] + v }
            case .sub: for i in 0..<n { y[i] = a[i] - v }
            case .mul: for i in 0..<n { y[i] = a[i] * v }
            case .div: for i in 0..<n { y[i] = a[i] / v }
            }
        case (.scalar, .vector):
            let v = a[0]
            switch op {
            case .add: for i in 0..<n { y[i] = v + b[i] }
            case .sub: for i in 0..<n { y[i] = v - b[i] }
            case .mul: for i in 0..<n { y[i] = v * b[i] }
            case .div: for i in 0..<n { y[i] = v / b[i] }
            }
        case (.scalar, .scalar):
            let v = floatOp(op)(a[0], b[0])
            for i in 0..<n { y[i] = v }
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
