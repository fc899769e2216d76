/// The part of a graph that gradients flow through: the nodes that depend on the chosen values
/// (the targets) and that the output depends on. Everything else (the layers before the
/// earliest target, side branches) is the "context": computed by an ordinary forward plan and
/// fed to the tail as a constant input, so no value outside the tail is ever kept for backward.
struct GradientGraph {
    /// The tail as a graph of its own: its inputs are the targets it does not compute and the
    /// context values it reads. A convolution keeps its fused activation when f' follows from
    /// the output (ReLU, Clip…); one whose derivative needs the pre-activation (HardSwish,
    /// SiLU) becomes Conv then the activation, so that the pre-activation is kept.
    var tail: Graph
    /// Values the forward plan must produce for the tail (targets and context).
    var tailInputs: [String]

    /// Suffix of the names given to a convolution's output before its activation.
    static let preActivationSuffix = "#preactivation"

    /// Throws `.gradientUnavailable` when the output does not depend on a target.
    init(_ graph: Graph, targets: [String], output: String, weightNames: Set<String>) throws(InferenceError) {
        var dependent = Set(targets)
        // Values known when the plan is made (shape arithmetic: Shape → Gather → Concat → a
        // Reshape's shape) are folded by the tail's planner like any other: their nodes join the
        // tail even when they do not depend on a target.
        var runtime = Set(graph.inputs.filter { graph.constants[$0.name] == nil }.map(\.name))
        var tailNodes: [Node] = []
        for node in graph.nodes {
            let isRuntime: Bool
            if case .shape = node.op { isRuntime = false } else { isRuntime = node.inputs.contains { runtime.contains($0) } }
            if isRuntime { for o in node.outputs where !o.isEmpty { runtime.insert(o) } }
            if node.inputs.contains(where: { dependent.contains($0) }) {
                tailNodes.append(node)
                for o in node.outputs where !o.isEmpty { dependent.insert(o) }
            } else if !isRuntime {
                tailNodes.append(node)
            }
        }
        // Keep only what the output needs.
        var needed: Set<String> = [output]
        var kept: [Node] = []
        for node in tailNodes.reversed() where node.outputs.contains(where: { needed.contains($0) }) {
            kept.append(node)
            for i in node.inputs where !i.isEmpty { needed.insert(i) }
        }
        kept.reverse()
        for t in targets where !needed.contains(t) && t != output {
            throw .gradientUnavailable(value: t, detail: "the output '\(output)' does not depend on it")
        }
        let produced = Set(kept.flatMap(\.outputs))
        var inputs: [String] = []
        for t in targets where !produced.contains(t) && !inputs.contains(t) { inputs.append(t) }
        for node in kept {
            for i in node.inputs where !i.isEmpty && !produced.contains(i) && !inputs.contains(i)
                && graph.constants[i] == nil && !weightNames.contains(i) {
                inputs.append(i)
            }
        }
        var nodes: [Node] = []
        for node in kept {
            guard case .conv(var attrs) = node.op, let activation = attrs.activation, !activation.derivativeFromOutput else {
                nodes.append(node)
                continue
            }
            attrs.activation = nil
            let pre = node.outputs[0] + Self.preActivationSuffix
            nodes.append(Node(name: node.name, op: .conv(attrs), inputs: node.inputs, outputs: [pre]))
            nodes.append(Node(name: node.name + Self.preActivationSuffix, op: .activation(activation), inputs: [pre], outputs: node.outputs))
        }
        tail = Graph(nodes: nodes, constants: graph.constants,
                     inputs: inputs.map { GraphInput(name: $0, shape: []) }, outputs: [output])
        tailInputs = inputs
    }
}

extension Graph {
    /// The graph restricted to the nodes `outputs` depend on.
    func pruned(to outputs: [String]) -> Graph {
        var needed = Set(outputs)
        var kept: [Node] = []
        for node in nodes.reversed() where node.outputs.contains(where: { needed.contains($0) }) {
            kept.append(node)
            for i in node.inputs where !i.isEmpty { needed.insert(i) }
        }
        var g = self
        g.nodes = kept.reversed()
        g.outputs = outputs
        return g
    }
}
