/// One node of a graph: an operator applied to named values. An empty input name is an
/// omitted optional input.
public struct Node: Sendable, Equatable {
    public var name: String
    public var op: Operator
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, op: Operator, inputs: [String], outputs: [String]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A graph input: its name and shape, `nil` for a dimension fixed only at run time.
public struct GraphInput: Sendable, Equatable {
    public var name: String
    public var shape: [Int?]
    /// False for integer inputs, which must be bound as constants before planning.
    public var isFloat: Bool

    public init(name: String, shape: [Int?], isFloat: Bool = true) {
        self.name = name
        self.shape = shape
        self.isFloat = isFloat
    }
}

/// A computation graph over named values, in topological order.
public struct Graph: Sendable {
    public var nodes: [Node]
    /// Weights and other values known at load time.
    public var constants: [String: ConstantValue]
    public var inputs: [GraphInput]
    public var outputs: [String]

    public init(nodes: [Node], constants: [String: ConstantValue], inputs: [GraphInput], outputs: [String]) {
        self.nodes = nodes
        self.constants = constants
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The node that produces `value`, if any.
    public func producer(of value: String) -> Node? {
        nodes.last { $0.outputs.contains(value) }
    }

    /// The nodes that read `value`.
    public func consumers(of value: String) -> [Node] {
        nodes.filter { $0.inputs.contains(value) }
    }
}
