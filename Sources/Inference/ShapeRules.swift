/// Output shapes of the reshaping operators, shared by constant folding and planning.
enum ShapeRules {
    /// ONNX Shape's output: the dims of `input` from `start` to `end` (negative counts from the end, clamped).
    static func shapeSlice(_ input: [Int], start: Int, end: Int?) -> IntTensor {
        let r = input.count
        let s = max(0, min(r, start < 0 ? start + r : start))
        let e = max(s, min(r, end.map { $0 < 0 ? $0 + r : $0 } ?? r))
        return IntTensor(shape: [e - s], data: input[s..<e].map { Int64($0) })
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
