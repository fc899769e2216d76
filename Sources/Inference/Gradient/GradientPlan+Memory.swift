/// What a gradient plan keeps, and where its gradients live. Backward reads few forward values
/// (a convolution's transposed product needs only the weights and ∂y; an addition nothing), so
/// only those stay allocated to the end; the rest share memory by liveness as in any plan. A
/// gradient exists from the backward step that first adds to it (its last reader's) to the one
/// that consumes it (its producer's), so gradient buffers share memory the same way, in
/// backward order.
extension GradientPlan {
    /// Buffers the backward steps read: forward inputs or outputs of the steps a target reaches.
    static func forwardValuesRead(steps: [Step], reached: [Bool]) -> Set<Int> {
        var kept = Set<Int>()
        for step in steps where reached[step.outputs[0]] {
            let inputs = step.inputs.filter { $0 >= 0 }
            switch step.kernel {
            case .conv(let c): if c.activation != nil { kept.insert(step.outputs[0]) }
            case .nativeConv(let c): if c.conv.activation != nil { kept.insert(step.outputs[0]) }
            case .activation(let a, _):
                switch a {
                case .sigmoid, .tanh: kept.insert(step.outputs[0])
                default: kept.formUnion(inputs.prefix(1))
                }
            case .binary(let op, _, _, _): if op == .mul || op == .div { kept.formUnion(inputs) }
            case .prelu, .layerNorm, .gemm, .matMul: kept.formUnion(inputs)
            case .softmax: kept.insert(step.outputs[0])
            case .pool(let p): if case .max = p.kind { kept.formUnion(inputs.prefix(1)) }
            case .globalMax: kept.formUnion(inputs.prefix(1))
            case .reduce(let op, _, _): if op == .max { kept.formUnion(inputs.prefix(1)); kept.insert(step.outputs[0]) }
            default: break
            }
        }
        return kept
    }

    /// Which buffers a target reaches (their gradients are computed).
    static func reachedBuffers(steps: [Step], count: Int, targets: [Int]) -> [Bool] {
        var reached = [Bool](repeating: false, count: count)
        for t in targets { reached[t] = true }
        for step in steps where step.inputs.contains(where: { $0 >= 0 && reached[$0] }) {
            for o in step.outputs { reached[o] = true }
        }
        return reached
    }

    /// Gradient buffers, one per reached buffer, sharing memory where their lifetimes (in
    /// backward order) do not overlap; `zeroAt[i]` lists those first written at backward step i
    /// (forward step index), cleared just before it. Returns the pointers, the owned slots and
    /// their total size.
    static func gradientBuffers(steps: [Step], sizes: [Int], reached: [Bool], output: Int, kept: Set<Int>)
        -> (pointers: [UnsafeMutablePointer<Float>?], slots: [UnsafeMutablePointer<Float>], floats: Int, zeroAt: [Int: [Int]]) {
        let n = steps.count
        // Backward time: the seed at 0, forward step i runs at time n − i.
        var start = [Int](repeating: Int.max, count: sizes.count), end = [Int](repeating: -1, count: sizes.count)
        start[output] = 0
        for (i, step) in steps.enumerated() where reached[step.outputs[0]] {
            let t = n - i
            for b in step.inputs where b >= 0 && reached[b] { start[b] = min(start[b], t) }
            for b in step.outputs {
                end[b] = max(end[b], t)
                // An output nothing downstream reads (a Split's unused part) still gets a zero
                // gradient, so its producer's backward step runs and reads zeros.
                if start[b] == Int.max { start[b] = t }
            }
        }
        var zeroAt: [Int: [Int]] = [:]
        var order: [Int] = []
        for b in sizes.indices where reached[b] && start[b] != Int.max {
            // Targets and buffers no step consumes keep their gradient to the end.
            if kept.contains(b) || end[b] < start[b] { end[b] = Int.max }
            order.append(b)
            zeroAt[start[b] == 0 ? -1 : n - start[b], default: []].append(b)
        }
        order.sort { (start[$0], $0) < (start[$1], $1) }
        var slotSize: [Int] = [], slotFree: [Int] = [], slotOf = [Int: Int]()
        var active: [(end: Int, slot: Int)] = []
        for b in order {
            active.removeAll { entry in
                if entry.end < start[b] { slotFree.append(entry.slot); return true }
                return false
            }
            let fit = slotFree.filter { slotSize[$0] >= sizes[b] }.min { slotSize[$0] < slotSize[$1] }
            let slot: Int
            if let fit {
                slot = fit
            } else if let largest = slotFree.max(by: { slotSize[$0] < slotSize[$1] }) {
                slot = largest
                slotSize[slot] = sizes[b]
            } else {
                slotSize.append(sizes[b])
                slot = slotSize.count - 1
            }
            slotFree.removeAll { $0 == slot }
            slotOf[b] = slot
            active.append((end[b], slot))
        }
        let slots = slotSize.map { UnsafeMutablePointer<Float>.allocateAligned(max($0, 1)) }
        let pointers = sizes.indices.map { b in slotOf[b].map { slots[$0] } }
        return (pointers, slots, slotSize.reduce(0, +), zeroAt)
    }
}
