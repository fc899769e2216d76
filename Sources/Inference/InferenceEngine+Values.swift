/// A value a graph computes at run time, with its shape for one set of input shapes.
public struct RuntimeValue: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    /// The node that computes it, and that node's operator.
    public var node: String
    public var op: String
}

extension InferenceEngine {
    /// Every value computed at run time (not folded to a constant), in graph order, with its
    /// shape for these input shapes: what a user may choose as a layer to explain.
    public func runtimeValues(inputShapes: [String: [Int]]) throws(InferenceError) -> [RuntimeValue] {
        var planner = Planner(graph: graph, weights: weights, limit: maxTensorElements, threads: threads)
        _ = try planner.plan(inputs: inputShapes, outputs: graph.outputs)
        var result: [RuntimeValue] = []
        for node in graph.nodes {
            for name in node.outputs where !name.isEmpty {
                if case .runtime(_, let shape)? = planner.values[name] {
                    result.append(RuntimeValue(name: name, shape: shape, node: node.name, op: node.op.name))
                }
            }
        }
        return result
    }
}
