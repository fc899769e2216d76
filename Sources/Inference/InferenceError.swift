/// Why a plan could not be made or run.
public enum InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingValue(name: String, node: String)
    case shapeMismatch(node: String, op: String, detail: String)
    case notConstant(node: String, op: String, input: String)
    case badInput(name: String, detail: String)
    case tensorTooLarge(node: String, elements: Int, limit: Int)
    case unsupported(node: String, op: String, detail: String)
    /// `CAMKIT_ISA` names an unknown path or one this CPU lacks.
    case cpuPath(detail: String)
    /// A gradient was asked of a value the output does not depend on, or that the graph lacks.
    case gradientUnavailable(value: String, detail: String)
    /// A node between the chosen layer and the output has no backward rule.
    case noGradientRule(node: String, op: String)

    public var description: String {
        switch self {
        case let .missingValue(name, node): return "value '\(name)' needed by node '\(node)' is never produced"
        case let .shapeMismatch(node, op, detail): return "\(op) node '\(node)': \(detail)"
        case let .notConstant(node, op, input): return "\(op) node '\(node)': input '\(input)' must be known before the run (a constant or shape computation)"
        case let .badInput(name, detail): return "input '\(name)': \(detail)"
        case let .tensorTooLarge(node, elements, limit): return "node '\(node)' would allocate \(elements) elements, over the limit of \(limit)"
        case let .unsupported(node, op, detail): return "\(op) node '\(node)': \(detail)"
        case let .cpuPath(detail): return detail
        case let .gradientUnavailable(value, detail): return "no gradient for '\(value)': \(detail)"
        case let .noGradientRule(node, op): return "\(op) node '\(node)' is on the path from the layer to the output and has no gradient rule; choose a layer after it"
        }
    }
}
