/// GELU as torch exports it below opset 20 — x·(1 + erf(x/√2))·½ as Div, Erf, Add, Mul, Mul —
/// becomes one activation: one pass over a transformer's widest tensor instead of five. The
/// fused node keeps the final Mul's output name.
extension GraphRewriter {
    static func fuseGELUs(_ g: inout Graph, keep: Set<String>) {
        let graph = GraphReaders(g, keep: keep)
        func only(_ value: String) -> Int? { graph.onlyReader(value) }
        func scalar(_ name: String) -> Float? { graph.scalar(name) }
        func near(_ v: Float?, _ target: Float) -> Bool { v.map { abs($0 - target) <= 1e-5 } ?? false }
        func other(_ n: Node, _ one: String) -> String? { GraphReaders.other(n, one) }
        var removed = Set<Int>(), replacement: [Int: Node] = [:]
        for (i, erf) in g.nodes.enumerated() where erf.op == .activation(.erf) {
            guard let scaled = erf.inputs.first, let scaleIndex = g.nodes.firstIndex(where: { $0.outputs.first == scaled }),
                  only(scaled) == i, let e = erf.outputs.first, let addIndex = only(e) else { continue }
            let scale = g.nodes[scaleIndex]
            // x/√2 or x·(1/√2)
            let x: String
            if scale.op == .binary(.div), scale.inputs.count == 2, near(scalar(scale.inputs[1]), 1.41421356) {
                x = scale.inputs[0]
            } else if scale.op == .binary(.mul), let c = scale.inputs.first(where: { near(scalar($0), 0.70710678) }), let v = other(scale, c) {
                x = v
            } else { continue }
            let add = g.nodes[addIndex]
            guard add.op == .binary(.add), let one = other(add, e), near(scalar(one), 1), let a = add.outputs.first, let mulIndex = only(a) else { continue }
            let mul = g.nodes[mulIndex]
            guard mul.op == .binary(.mul), let partner = other(mul, a), let m = mul.outputs.first else { continue }
            var pattern = [scaleIndex, i, addIndex, mulIndex]
            let output: String, last: Int
            if partner == x, let halfIndex = only(m), g.nodes[halfIndex].op == .binary(.mul),
               let h = other(g.nodes[halfIndex], m), near(scalar(h), 0.5), let y = g.nodes[halfIndex].outputs.first {
                (output, last) = (y, halfIndex)   // (x · (1 + erf)) · ½
            } else if let halfIndex = g.nodes.firstIndex(where: { $0.outputs.first == partner }), g.nodes[halfIndex].op == .binary(.mul),
                      only(partner) == mulIndex, let h = other(g.nodes[halfIndex], x), near(scalar(h), 0.5) {
                pattern.append(halfIndex)          // (x · ½) · (1 + erf)
                (output, last) = (m, mulIndex)
            } else { continue }
            if last != mulIndex { pattern.append(last) }
            guard Set(pattern).count == pattern.count, pattern.allSatisfy({ !removed.contains($0) }) else { continue }
            removed.formUnion(pattern)
            replacement[last] = Node(name: g.nodes[last].name, op: .activation(.gelu), inputs: [x], outputs: [output])
        }
        guard !replacement.isEmpty else { return }
        g.nodes = g.nodes.enumerated().compactMap { i, n in replacement[i] ?? (removed.contains(i) ? nil : n) }
    }
}
