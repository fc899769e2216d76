/// Evaluates nodes whose inputs are all known before the run: the shape-only subgraphs that
/// exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape, ConstantOfShape, Range, Cast)
/// and cheap float operations on weights. Each family folds its own operators (`Operators/`);
/// nil for an operator left to run time.
enum ConstantFolder {
    static func evaluate(_ node: Node, _ constants: [ConstantValue?], limit: Int) throws(InferenceError) -> [ConstantValue]? {
        guard let first = constants.first ?? nil else { return nil }
        let inputs = PlanTimeInputs(node: node, constants: constants)
        switch node.op {
        case .identity, .reshape, .flatten, .squeeze, .unsqueeze:
            return try Reshaping.fold(node, inputs, first)
        case .cast, .constantOfShape, .range:
            return try ShapeComputations.fold(node, inputs, first, limit: limit)
        case .gather, .concat, .slice, .transpose:
            return try DataMovement.fold(node, inputs, first)
        case .binary:
            return try Elementwise.fold(node, inputs, first)
        case .compare, .not, .where, .mod, .scatterND:
            return try PlanTimeLogic.fold(node, inputs, first, limit: limit)
        case .expand, .pow, .sqrt:
            return try ExpandAndPowers.fold(node, inputs, first, limit: limit)
        default:
            return nil
        }
    }
}
