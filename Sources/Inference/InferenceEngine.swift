import CBLAS

/// A loaded graph ready to run: rewrites applied once, weights in stable memory, and a plan
/// made per input shape.
public final class InferenceEngine: Sendable {
    /// The graph after load-time rewrites.
    public let graph: Graph
    let weights: WeightStore
    /// Largest tensor (in elements) a plan may allocate: 2^30 floats = 4 GiB.
    public let maxTensorElements: Int
    /// camkit's own threads per convolution (OpenBLAS itself stays at one thread).
    public let threads: Int
    /// The instruction-set path this engine's convolutions run on.
    public let cpuPath: CPUPath
    /// Weights packed for oneDNN, shared by every plan; nil on the generic path.
    let packedWeights: PackedWeights?

    /// Prepares `graph`; values named in `keep` survive every rewrite (so they can be read out).
    /// `cpuPath` may only choose `.generic` over the process's path (`CPUPath.active`): oneDNN's
    /// instruction set is fixed per process.
    public init(graph: Graph, keep: Set<String> = [], optimize: Bool = true, maxTensorElements: Int = 1 << 30, threads: Int = 1,
                cpuPath: CPUPath = .active) {
        self.threads = max(1, threads)
        self.cpuPath = cpuPath == .generic ? .generic : CPUPath.active
        packedWeights = self.cpuPath == .generic ? nil : PackedWeights()
        _ = InferenceEngine.singleThreadedBLAS
        var rewritten = optimize ? GraphRewriter.optimize(graph, keep: keep.union(graph.outputs)) : graph
        // Large weights read only as kernel operands live once, in the WeightStore; the graph
        // keeps their shapes only, so a model's weights are held in memory one time.
        let stored = InferenceEngine.kernelOnlyWeights(rewritten, keep: keep.union(graph.outputs))
        self.weights = WeightStore(constants: rewritten.constants, names: stored)
        for name in stored { rewritten.constants[name] = nil }
        self.graph = rewritten
        self.maxTensorElements = maxTensorElements
    }

    /// A plan for these input shapes that produces `outputs` (default: the graph outputs).
    public func makePlan(inputShapes: [String: [Int]], outputs: [String]? = nil) throws(InferenceError) -> ExecutionPlan {
        var planner = Planner(graph: graph, weights: weights, limit: maxTensorElements, threads: threads,
                              packedWeights: packedWeights)
        return try planner.plan(inputs: inputShapes, outputs: outputs ?? graph.outputs)
    }

    /// Float constants of at least 1024 elements whose every use is a Conv's W or B, a Gemm's B or
    /// C, or a MatMul's B: kernels read them through a pointer and never need their values at plan time.
    static func kernelOnlyWeights(_ g: Graph, keep: Set<String>) -> Set<String> {
        var candidates = Set(g.constants.compactMap { name, value -> String? in
            if case .float(let t) = value, t.count >= 1024, !keep.contains(name) { return name }
            return nil
        })
        for node in g.nodes {
            for (i, input) in node.inputs.enumerated() where candidates.contains(input) {
                let kernelOperand: Bool
                switch node.op {
                case .conv: kernelOperand = i == 1 || i == 2
                case .gemm: kernelOperand = i == 1 || i == 2
                case .matMul: kernelOperand = i == 1
                default: kernelOperand = false
                }
                if !kernelOperand { candidates.remove(input) }
            }
        }
        return candidates
    }

    /// OpenBLAS runs on one thread: camkit's own threads split each convolution into fixed
    /// blocks, so that outputs never depend on the thread count, and OpenBLAS's threads would
    /// change the rounding. `CBLASStartup` sets that, and stops OpenBLAS's helper threads, before
    /// main; it is set again here only if something else in the process changed it since
    /// (which restarts OpenBLAS's pool).
    static let singleThreadedBLAS: Void = {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }()
}
