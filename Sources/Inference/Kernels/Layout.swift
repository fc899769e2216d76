/// Data-movement kernels, generic over the element type so the same code runs float
/// activations at run time and int64 shape computations at plan time.
public enum Layout {
    /// Normalises a possibly negative axis; nil when out of range.
    public static func axis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }

    /// Copies `count` elements.
    @inline(__always) static func copy<T>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ count: Int) {
        dst.update(from: src, count: count)
    }

    /// Concatenates inputs along `axis`.
    public static func concat<T>(_ inputs: [(UnsafePointer<T>, [Int])], axis: Int, into out: UnsafeMutablePointer<T>) {
        guard let first = inputs.first else { return }
        let outer = first.1[..<axis].reduce(1, *)
        let inner = first.1[(axis + 1)...].reduce(1, *)
        let total = inputs.reduce(0) { $0 + $1.1[axis] } * inner
        var offset = 0
        for (ptr, shape) in inputs {
            let chunk = shape[axis] * inner
            for o in 0..<outer { copy(ptr + o * chunk, out + o * total + offset, chunk) }
            offset += chunk
        }
    }

    /// Splits along `axis` into outputs of the given extents.
    public static func split<T>(_ input: UnsafePointer<T>, shape: [Int], axis: Int, sizes: [Int], into outs: [UnsafeMutablePointer<T>]) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let total = shape[axis] * inner
        var offset = 0
        for (i, size) in sizes.enumerated() {
            let chunk = size * inner
            for o in 0..<outer { copy(input + o * total + offset, outs[i] + o * chunk, chunk) }
            offset += chunk
        }
    }

    /// Permutes axes: output axis i is input axis perm[i]. Axes of extent 1 are dropped and
    /// output axes that stay adjacent in the input merged first, so a permutation that moves
    /// whole rows (a token transpose, [L, H, D] → [H, L, D]) copies rows.
    public static func transpose<T>(_ input: UnsafePointer<T>, shape: [Int], perm: [Int], into out: UnsafeMutablePointer<T>) {
        let count = shape.elementCount
        if count == 0 { return }
        let inStrides = shape.rowMajorStrides
        var outShape: [Int] = [], strides: [Int] = []
        for axis in perm where shape[axis] != 1 {
            if let last = outShape.last, strides[strides.count - 1] == inStrides[axis] * shape[axis] {
                outShape[outShape.count - 1] = last * shape[axis]
                strides[strides.count - 1] = inStrides[axis]
            } else {
                outShape.append(shape[axis])
                strides.append(inStrides[axis])
            }
        }
        let rank = outShape.count
        if rank == 0 || (rank == 1 && strides[0] == 1) { copy(input, out, count); return }
        var index = [Int](repeating: 0, count: rank)
        var src = 0
        let last = rank - 1
        var o = 0
        let n = outShape[last], s = strides[last]
        while o < count {
            // innermost axis as a run: a copy where it is contiguous in the input
            if s == 1 { copy(input + src, out + o, n) } else { for i in 0..<n { out[o + i] = input[src + i * s] } }
            o += n
            // advance the outer index
            var axis = last - 1
            while axis >= 0 {
                index[axis] += 1
                src += strides[axis]
                if index[axis] < outShape[axis] { break }
                src -= strides[axis] * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// One resolved axis of a slice: first index, element count and step.
    public struct SliceAxis: Sendable, Equatable {
        public var start: Int
        public var count: Int
        public var step: Int
    }

    /// Resolves ONNX Slice starts/ends/steps (clamped as the spec says) for one axis of extent `dim`.
    public static func sliceAxis(start: Int64, end: Int64, step: Int64, dim: Int) -> SliceAxis {
        let d = Int64(dim)
        var s = start < 0 ? start + d : start
        var e = end < 0 ? end + d : end
        if step > 0 {
            s = min(max(s, 0), d)
            e = min(max(e, 0), d)
            let count = e > s ? (e - s + step - 1) / step : 0
            return SliceAxis(start: Int(s), count: Int(count), step: Int(step))
        } else {
            s = min(max(s, -1), d - 1)
            e = min(max(e, -1), d - 1)
            let count = s > e ? (s - e + (-step) - 1) / (-step) : 0
            return SliceAxis(start: Int(s), count: Int(count), step: Int(step))
        }
    }

    /// Strided slice over all axes.
    public static func slice<T>(_ input: UnsafePointer<T>, shape: [Int], axes: [SliceAxis], into out: UnsafeMutablePointer<T>) {
        let rank = shape.count
        let strides = shape.rowMajorStrides
        let outShape = axes.map(\.count)
        let count = outShape.elementCount
        if count == 0 { return }
        if rank == 0 { out[0] = input[0]; return }
        var index = [Int](repeating: 0, count: rank)
        var base = 0
        for a in 0..<rank { base += axes[a].start * strides[a] }
        var src = base
        var o = 0
        let last = rank - 1
        while o < count {
            let n = outShape[last], s = strides[last] * axes[last].step
            if s == 1 { copy(input + src, out + o, n) } else { for i in 0..<n { out[o + i] = input[src + i * s] } }
            o += n
            var axis = last - 1
            while axis >= 0 {
                index[axis] += 1
                src += strides[axis] * axes[axis].step
                if index[axis] < outShape[axis] { break }
                src -= strides[axis] * axes[axis].step * outShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// Gathers along `axis` with (already normalised, in-range) indices of shape `indexShape`.
    public static func gather<T>(_ input: UnsafePointer<T>, shape: [Int], axis: Int, indices: [Int], into out: UnsafeMutablePointer<T>) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let dim = shape[axis]
        var o = 0
        for b in 0..<outer {
            for idx in indices {
                copy(input + (b * dim + idx) * inner, out + o, inner)
                o += inner
            }
        }
    }

    /// Pads with ONNX semantics; `pads` is begins for every axis then ends (negative crops).
    public static func pad<T>(_ input: UnsafePointer<T>, shape: [Int], pads: [Int], mode: PadMode, value: T,
                              into out: UnsafeMutablePointer<T>) {
        let rank = shape.count
        let outShape = (0..<rank).map { shape[$0] + pads[$0] + pads[$0 + rank] }
        let inStrides = shape.rowMajorStrides
        let count = outShape.elementCount
        if mode == .constant, rank > 0, pads.allSatisfy({ $0 >= 0 }) {
            padConstant(input, shape: shape, pads: pads, outShape: outShape, value: value, into: out)
            return
        }
        var index = [Int](repeating: 0, count: rank)
        for o in 0..<count {
            var rem = o
            for a in stride(from: rank - 1, through: 0, by: -1) {
                index[a] = rem % outShape[a]
                rem /= outShape[a]
            }
            var src = 0
            var inside = true
            for a in 0..<rank {
                var i = index[a] - pads[a]
                let n = shape[a]
                if i < 0 || i >= n {
                    switch mode {
                    case .constant: inside = false
                    case .edge: i = i < 0 ? 0 : n - 1
                    case .reflect:
                        if n == 1 { i = 0 } else {
                            let period = 2 * (n - 1)
                            i = ((i % period) + period) % period
                            if i >= n { i = period - i }
                        }
                    }
                }
                if !inside { break }
                src += i * inStrides[a]
            }
            out[o] = inside ? input[src] : value
        }
    }

    /// Constant padding without cropping: the fill where there are pads, then each input row
    /// copied whole to its place (a window padding that pads nothing is one copy).
    static func padConstant<T>(_ input: UnsafePointer<T>, shape: [Int], pads: [Int], outShape: [Int], value: T,
                               into out: UnsafeMutablePointer<T>) {
        let rank = shape.count
        if pads.allSatisfy({ $0 == 0 }) { copy(input, out, shape.elementCount); return }
        out.initialize(repeating: value, count: outShape.elementCount)
        let outStrides = outShape.rowMajorStrides
        let row = shape[rank - 1], rows = shape.elementCount / Swift.max(row, 1)
        if row == 0 { return }
        var index = [Int](repeating: 0, count: rank)
        for r in 0..<rows {
            var o = pads[rank - 1]
            for a in 0..<(rank - 1) { o += (index[a] + pads[a]) * outStrides[a] }
            copy(input + r * row, out + o, row)
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
