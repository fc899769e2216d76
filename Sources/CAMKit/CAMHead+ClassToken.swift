import Inference

/// Heads that read one token (ViT, DeiT): the logits come from the class token (and DeiT's
/// distillation token) taken out of the sequence by a Gather on the token axis, not from a
/// pool over the grid, so CAM's identity does not hold and maps come from gradients at a block.
extension CAMHead {
    /// The class-token head behind `output`, its default layer the last block's first
    /// LayerNorm (pytorch-grad-cam's `blocks[-1].norm1`: the norm whose output reaches a Softmax
    /// — attention — before another norm). nil when no Gather on the token axis feeds the logits.
    static func discoverClassToken(in graph: Graph, output: String) -> CAMHead? {
        var logits = output, softmax = false
        if let last = graph.producer(of: output), case .softmax = last.op, let x = last.inputs.first { logits = x; softmax = true }
        var queue = [logits], seen = Set<String>()
        var gather: Node?, classes = 0, channels = 0
        while !queue.isEmpty, gather == nil {
            let value = queue.removeFirst()
            guard seen.insert(value).inserted, let node = graph.producer(of: value) else { continue }
            switch node.op {
            case .gather(axis: 1) where node.inputs.count > 1 && graph.constants[node.inputs[1]]?.shape.elementCount == 1:
                gather = node
            case .gemm(_, _, _, let transB):
                guard node.inputs.count >= 2 else { continue }
                if classes == 0, let b = graph.constants[node.inputs[1]]?.shape, b.count == 2 {
                    (classes, channels) = transB ? (b[0], b[1]) : (b[1], b[0])
                }
                queue.append(node.inputs[0])
            case .binary, .identity, .flatten, .reshape, .squeeze, .activation, .layerNormalization:
                queue += node.inputs.filter { !$0.isEmpty && graph.constants[$0] == nil }
            default:
                continue
            }
        }
        guard let gather, classes > 0, let tokens = gather.inputs.first else { return nil }
        guard let end = graph.nodes.firstIndex(where: { $0.name == gather.name }) else { return nil }
        let layer = lastAttentionNorm(in: graph, before: end) ?? tokens
        return CAMHead(featureName: layer, logitsName: logits, outputIsSoftmax: softmax, weights: [], bias: [],
                       classes: classes, channels: channels, poolNode: gather.name, classToken: true)
    }

    /// The output of the last LayerNormalization (before node `end`) from which a Softmax is
    /// reached before any other LayerNormalization.
    static func lastAttentionNorm(in graph: Graph, before end: Int) -> String? {
        var readers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() { for x in n.inputs { readers[x, default: []].append(i) } }
        for i in stride(from: end - 1, through: 0, by: -1) {
            guard case .layerNormalization = graph.nodes[i].op, let out = graph.nodes[i].outputs.first else { continue }
            var frontier = readers[out] ?? [], seen = Set<Int>(), found = false
            while let j = frontier.popLast(), !found {
                guard seen.insert(j).inserted, seen.count < 64 else { continue }
                switch graph.nodes[j].op {
                case .softmax: found = true
                case .layerNormalization: continue
                default: frontier += graph.nodes[j].outputs.flatMap { readers[$0] ?? [] }
                }
            }
            if found { return out }
        }
        return nil
    }
}
