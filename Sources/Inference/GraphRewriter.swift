/// Load-time rewrites: batch norms folded into the convolution before them, Identity and
/// Dropout removed, zero Pad folded into the next Conv's pads, and Conv followed by an
/// activation (Relu, Clip, HardSwish, Sigmoid, x·Sigmoid(x), x·HardSigmoid(x)) fused into one kernel,
/// a LayerNorm written out in full made one node (`GraphRewriter+LayerNorm.swift`).
public enum GraphRewriter {
    /// The optimised graph; values in `keep` are never removed.
    public static func optimize(_ graph: Graph, keep: Set<String>) -> Graph {
        var g = graph
        removeIdentities(&g, keep: keep)
        foldBatchNorms(&g, keep: keep)
        foldPads(&g, keep: keep)
        fuseLayerNorms(&g, keep: keep)
        fuseGELUs(&g, keep: keep)
        fuseActivations(&g, keep: keep)
        return g
    }

    static func useCounts(_ g: Graph) -> [String: Int] {
        var counts: [String: Int] = [:]
        for node in g.nodes { for i in node.inputs where !i.isEmpty { counts[i, default: 0] += 1 } }
        for o in g.outputs { counts[o, default: 0] += 1 }
        return counts
    }

    static func removeIdentities(_ g: inout Graph, keep: Set<String>) {
        var kept: [Node] = []
        // Renames apply to the nodes still to come (the loop walks a copy of the list).
        var renamed: [String: String] = [:]
        for var node in g.nodes {
            node.inputs = node.inputs.map { renamed[$0] ?? $0 }
            guard case .identity = node.op, let out = node.outputs.first, !keep.contains(out), let input = node.inputs.first else {
                kept.append(node)
                continue
            }
            if let c = g.constants[input] { g.constants[out] = c } else { renamed[out] = input }
        }
        g.nodes = kept
    }

    static func foldBatchNorms(_ g: inout Graph, keep: Set<String>) {
        let uses = useCounts(g)
        var removed = Set<Int>()
        for (i, node) in g.nodes.enumerated() {
            guard case .batchNormalization(let eps) = node.op, node.inputs.count >= 5,
                  let producerIndex = g.nodes.lastIndex(where: { $0.outputs.contains(node.inputs[0]) }),
                  case .conv(let attrs) = g.nodes[producerIndex].op, attrs.activation == nil,
                  uses[node.inputs[0]] == 1, !keep.contains(node.inputs[0]) else { continue }
            let conv = g.nodes[producerIndex]
            guard let w = g.constants[conv.inputs[1]], case .float(let wt) = w,
                  let scale = g.constants[node.inputs[1]]?.floats, let bias = g.constants[node.inputs[2]]?.floats,
                  let mean = g.constants[node.inputs[3]]?.floats, let variance = g.constants[node.inputs[4]]?.floats else { continue }
            let m = wt.shape[0]
            guard scale.count == m, bias.count == m, mean.count == m, variance.count == m else { continue }
            let per = wt.count / m
            var newW = wt.data
            var oldB = [Float](repeating: 0, count: m)
            if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
                guard let b = g.constants[conv.inputs[2]]?.floats, b.count == m else { continue }
                oldB = b
            }
            var newB = [Float](repeating: 0, count: m)
            for c in 0..<m {
                let s = scale[c] / (variance[c] + eps).squareRoot()
                for j in 0..<per { newW[c * per + j] *= s }
                newB[c] = (oldB[c] - mean[c]) * s + bias[c]
            }
            let wName = conv.name + "::folded_weight", bName = conv.name + "::folded_bias"
            g.constants[wName] = .float(Tensor(shape: wt.shape, data: newW))
            g.constants[bName] = .float(Tensor(shape: [m], data: newB))
            g.nodes[producerIndex].inputs = [conv.inputs[0], wName, bName]
            g.nodes[producerIndex].outputs = [node.outputs[0]]
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    static func foldPads(_ g: inout Graph, keep: Set<String>) {
        let uses = useCounts(g)
        var removed = Set<Int>()
        for (i, node) in g.nodes.enumerated() {
            guard case .pad(.constant, let attrPads, let attrValue) = node.op, let out = node.outputs.first,
                  uses[out] == 1, !keep.contains(out),
                  let consumer = g.nodes.firstIndex(where: { $0.inputs.first == out }),
                  case .conv(var attrs) = g.nodes[consumer].op, attrs.window.autoPad == .notSet else { continue }
            let pads = attrPads ?? (node.inputs.count > 1 ? g.constants[node.inputs[1]]?.int64s.map { Int($0) } : nil)
            let value = node.inputs.count > 2 && !node.inputs[2].isEmpty ? g.constants[node.inputs[2]]?.floats.first : attrValue
            guard let pads, pads.count == 8, value == 0, node.inputs.count < 4 || node.inputs[3].isEmpty,
                  pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0, pads.allSatisfy({ $0 >= 0 }) else { continue }
            attrs.window.pads[0] += pads[2]; attrs.window.pads[1] += pads[3]
            attrs.window.pads[2] += pads[6]; attrs.window.pads[3] += pads[7]
            g.nodes[consumer].op = .conv(attrs)
            g.nodes[consumer].inputs[0] = node.inputs[0]
            removed.insert(i)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// The constant activation a node applies to its first input, if it is one.
    static func activation(of node: Node, _ g: Graph) -> Activation? {
        switch node.op {
        case .activation(let a): return a
        case .clip(let lo, let hi):
            let low = node.inputs.count > 1 && !node.inputs[1].isEmpty ? g.constants[node.inputs[1]]?.floats.first : lo ?? -Float.greatestFiniteMagnitude
            let high = node.inputs.count > 2 && !node.inputs[2].isEmpty ? g.constants[node.inputs[2]]?.floats.first : hi ?? Float.greatestFiniteMagnitude
            guard let low, let high else { return nil }
            return .clip(min: low, max: high)
        default: return nil
        }
    }

    static func fuseActivations(_ g: inout Graph, keep: Set<String>) {
        var changed = true
        while changed {
            changed = false
            // One pass fuses every convolution it can: each fusion removes only readers of that
            // convolution's own output, so the counts and reader lists of the others stay true
            // (rescanning the graph after each fusion made this quadratic: ~5 % of `cam model`).
            let uses = useCounts(g)
            var readers: [String: [Int]] = [:]
            for (i, node) in g.nodes.enumerated() { for x in Set(node.inputs) { readers[x, default: []].append(i) } }
            var removed = Set<Int>()
            defer { for r in removed.sorted(by: >) { g.nodes.remove(at: r) } }
            for (ci, conv) in g.nodes.enumerated() {
                guard case .conv(var attrs) = conv.op, attrs.activation == nil, let y = conv.outputs.first, !keep.contains(y) else { continue }
                let consumers = readers[y] ?? []
                // Conv → activation
                if uses[y] == 1, consumers.count == 1, let act = activation(of: g.nodes[consumers[0]], g), g.nodes[consumers[0]].inputs[0] == y {
                    attrs.activation = act
                    g.nodes[ci].op = .conv(attrs)
                    g.nodes[ci].outputs = g.nodes[consumers[0]].outputs
                    removed.insert(consumers[0])
                    changed = true
                    continue
                }
                // Conv → Sigmoid/HardSigmoid(1/6, 1/2) → Mul(y, ·): SiLU / HardSwish
                if uses[y] == 2, consumers.count == 2 {
                    let gateIndex = consumers.first { if case .activation = g.nodes[$0].op { return true }; return false }
                    let mulIndex = consumers.first { if case .binary(.mul) = g.nodes[$0].op { return true }; return false }
                    guard let gateIndex, let mulIndex, case .activation(let gate) = g.nodes[gateIndex].op,
                          let gateOut = g.nodes[gateIndex].outputs.first, uses[gateOut] == 1, !keep.contains(gateOut),
                          Set(g.nodes[mulIndex].inputs) == Set([y, gateOut]) else { continue }
                    let fused: Activation
                    switch gate {
                    case .sigmoid: fused = .silu
                    case .hardSigmoid(let a, let b) where abs(a - 1 / 6) < 1e-6 && b == 0.5: fused = .hardSwish
                    default: continue
                    }
                    attrs.activation = fused
                    g.nodes[ci].op = .conv(attrs)
                    g.nodes[ci].outputs = g.nodes[mulIndex].outputs
                    removed.formUnion([gateIndex, mulIndex])
                    changed = true
                }
            }
        }
    }
}

/// Who reads each value of a graph, for the pattern fusions (`GraphRewriter+LayerNorm.swift`,
/// `GraphRewriter+GELU.swift`): a pattern's inner values must have one reader and be kept by
/// nobody.
struct GraphReaders {
    let graph: Graph
    let keep: Set<String>
    let uses: [String: Int]
    let readers: [String: [Int]]

    init(_ graph: Graph, keep: Set<String>) {
        self.graph = graph
        self.keep = keep
        uses = GraphRewriter.useCounts(graph)
        var readers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() { for x in n.inputs where !x.isEmpty { readers[x, default: []].append(i) } }
        self.readers = readers
    }

    /// The index of the only node reading `value`, nil when it has more readers, is a graph
    /// output or must be kept.
    func onlyReader(_ value: String) -> Int? {
        guard uses[value] == 1, !keep.contains(value), let r = readers[value], r.count == 1 else { return nil }
        return r[0]
    }

    /// A one-element constant's value (rank 0 or 1: a [1, 1, 1] would broadcast the result up).
    func scalar(_ name: String) -> Float? {
        guard let c = graph.constants[name], c.shape.elementCount == 1, c.shape.count <= 1 else { return nil }
        return c.floats[0]
    }

    /// The other input of a two-input node, given one.
    static func other(_ n: Node, _ one: String) -> String? {
        guard n.inputs.count == 2 else { return nil }
        return n.inputs[0] == one ? n.inputs[1] : n.inputs[1] == one ? n.inputs[0] : nil
    }
}
