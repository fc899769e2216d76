import CBLAS

/// A loaded graph ready to run: rewrites applied once, weights in stable memory, and a plan
/// made per input shape.
public final class InferenceEngine: Sendable {
    /// The graph after load-time rewrites.
    public let graph: Graph
    let weights: WeightStore
    /// Largest tensor (in elements) a plan may allocate: 2^30 floats = 4 GiB.
    public let maxTensorElements: Int

    /// Prepares `graph`; values named in `keep` survive every rewrite (so they can be read out).
    public init(graph: Graph, keep: Set<String> = [], optimize: Bool = true, maxTensorElements: Int = 1 << 30) {
        let rewritten = optimize ? GraphRewriter.optimize(graph, keep: keep.union(graph.outputs)) : graph
        self.graph = rewritten
        self.weights = WeightStore(constants: rewritten.constants)
        self.maxTensorElements = maxTensorElements
    }

    /// A plan for these input shapes that produces `outputs` (default: the graph outputs).
    public func makePlan(inputShapes: [String: [Int]], outputs: [String]? = nil) throws(InferenceError) -> ExecutionPlan {
        var planner = Planner(graph: graph, weights: weights, limit: maxTensorElements)
        return try planner.plan(inputs: inputShapes, outputs: outputs ?? graph.outputs)
    }

    /// Sets OpenBLAS's thread count (process-wide).
    public static func setBLASThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }
}
