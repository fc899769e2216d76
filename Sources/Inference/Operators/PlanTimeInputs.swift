/// The inputs of a node that an operator reads before the run — Reshape's shape, Slice's starts,
/// Pad's pads, Gather's indices, axes — whether the node is being folded (every input known) or
/// lowered (these must be constants; the data input is known only by its shape). One reader, so
/// an operator's "attribute or input" rule is written once for both.
struct PlanTimeInputs {
    let node: Node
    /// Known values by input index; nil for an absent input or one known only at run time.
    let values: [ConstantValue?]
    /// Inputs known only at run time.
    let runtime: Set<Int>

    /// For constant folding: every present input is known.
    init(node: Node, constants: [ConstantValue?]) {
        self.node = node
        values = constants
        runtime = []
    }

    /// For lowering: the planner's operands.
    init(node: Node, operands: [Planner.Value?]) {
        self.node = node
        var values: [ConstantValue?] = []
        var runtime = Set<Int>()
        for (i, v) in operands.enumerated() {
            if case .constant(let c)? = v { values.append(c) } else {
                values.append(nil)
                if v != nil { runtime.insert(i) }
            }
        }
        self.values = values
        self.runtime = runtime
    }

    /// Input `i` when present; an error naming it when it is known only at run time.
    func constant(_ i: Int) throws(InferenceError) -> ConstantValue? {
        if runtime.contains(i) { throw .notConstant(node: node.name, op: node.op.name, input: node.inputs[i]) }
        return i < values.count ? values[i] : nil
    }

    /// Input `i` as integers, when present.
    func ints(_ i: Int) throws(InferenceError) -> [Int]? { try constant(i)?.int64s.map { Int($0) } }

    /// The attribute when the model gave one (older opsets), else input `i` (newer opsets).
    func attributeOrInput(_ attribute: [Int]?, _ i: Int) throws(InferenceError) -> [Int]? {
        if let attribute { return attribute }
        return try ints(i)
    }

    func fail(_ detail: String) -> InferenceError { .shapeMismatch(node: node.name, op: node.op.name, detail: detail) }
}
