/// A LayerNorm written out in full — what torch exports below opset 17:
/// m = ReduceMean(x, -1); d = x − m; v = ReduceMean(d², −1); y = d / √(v + ε) · γ + β —
/// becomes one LayerNormalization node: one kernel instead of eight, the backward rule of
/// LayerNormalization, and no run-time Pow or Sqrt. Only the last axis, a scalar ε and 1-D γ and
/// β that are constants; the fused node keeps the name of the final Add's output, so a layer
/// named by it means the same tensor before and after.
extension GraphRewriter {
    static func fuseLayerNorms(_ g: inout Graph, keep: Set<String>) {
        let graph = GraphReaders(g, keep: keep)
        let uses = graph.uses, consumers = graph.readers
        func only(_ value: String) -> Int? { graph.onlyReader(value) }
        func scalar(_ name: String) -> Float? { graph.scalar(name) }
        func vector(_ name: String) -> Int? {
            guard let c = g.constants[name], c.shape.count == 1 else { return nil }
            return c.shape[0]
        }
        func other(_ n: Node, _ one: String) -> String? { GraphReaders.other(n, one) }
        func isMeanOverLastAxis(_ n: Node) -> Bool {
            guard case .reduce(.mean, let axes, true, _) = n.op else { return false }
            if let axes { return axes == [-1] && n.inputs.count == 1 }
            return n.inputs.count == 2 && g.constants[n.inputs[1]]?.int64s == [-1]
        }
        var removed = Set<Int>()
        var replacement: [Int: Node] = [:]
        for (i, mean) in g.nodes.enumerated() where isMeanOverLastAxis(mean) && !removed.contains(i) {
            let x = mean.inputs[0]
            guard let m = mean.outputs.first, let subIndex = only(m) else { continue }
            let sub = g.nodes[subIndex]
            guard case .binary(.sub) = sub.op, sub.inputs == [x, m], let d = sub.outputs.first,
                  uses[d] == 2, !keep.contains(d), let dUsers = consumers[d], dUsers.count == 2 else { continue }
            let powIndex = dUsers.first { if case .pow = g.nodes[$0].op { return true }; return false }
            let divIndex = dUsers.first { if case .binary(.div) = g.nodes[$0].op { return true }; return false }
            guard let powIndex, let divIndex else { continue }
            let pow = g.nodes[powIndex], div = g.nodes[divIndex]
            guard pow.inputs.count == 2, pow.inputs[0] == d, scalar(pow.inputs[1]) == 2,
                  let p = pow.outputs.first, let varIndex = only(p), isMeanOverLastAxis(g.nodes[varIndex]),
                  let v = g.nodes[varIndex].outputs.first, let addIndex = only(v) else { continue }
            let addEps = g.nodes[addIndex]
            guard case .binary(.add) = addEps.op, let epsName = other(addEps, v), let epsilon = scalar(epsName),
                  let ve = addEps.outputs.first, let sqrtIndex = only(ve), case .sqrt = g.nodes[sqrtIndex].op,
                  let s = g.nodes[sqrtIndex].outputs.first, only(s) == divIndex, div.inputs == [d, s],
                  let normalized = div.outputs.first, let mulIndex = only(normalized) else { continue }
            let mul = g.nodes[mulIndex]
            guard case .binary(.mul) = mul.op, let gamma = other(mul, normalized), let channels = vector(gamma),
                  let scaled = mul.outputs.first, let biasIndex = only(scaled) else { continue }
            let bias = g.nodes[biasIndex]
            guard case .binary(.add) = bias.op, let beta = other(bias, scaled), vector(beta) == channels, let y = bias.outputs.first else { continue }
            let pattern = [i, subIndex, powIndex, varIndex, addIndex, sqrtIndex, divIndex, mulIndex, biasIndex]
            guard Set(pattern).count == pattern.count, pattern.allSatisfy({ !removed.contains($0) }) else { continue }
            removed.formUnion(pattern)
            replacement[biasIndex] = Node(name: bias.name, op: .layerNormalization(axis: -1, epsilon: epsilon), inputs: [x, gamma, beta], outputs: [y])
        }
        guard !replacement.isEmpty else { return }
        g.nodes = g.nodes.enumerated().compactMap { i, n in replacement[i] ?? (removed.contains(i) ? nil : n) }
    }
}
