// Plain value types for the subset of onnx.proto that inference needs, and
// their decoding with `WireReader`. Unknown fields are skipped; repeated
// fields append and scalars take the last value, and a repeated occurrence of
// an embedded message field merges into the earlier one, as protobuf does.

/// An ONNX model: metadata, opset imports and the main graph.
public struct ModelProto: Sendable, Equatable {
    /// IR version of the file format (field 1).
    public var irVersion: Int64 = 0
    /// Name of the tool that produced the model (field 2).
    public var producerName: String = ""
    /// Version of the producing tool (field 3).
    public var producerVersion: String = ""
    /// Operator sets the model relies on (field 8).
    public var opsetImports: [OperatorSetID] = []
    /// The main computation graph (field 7).
    public var graph: GraphProto = GraphProto()

    /// Default limit on message nesting below the root (each subgraph in an attribute adds 3 levels).
    public static let defaultMaxDepth = 32

    /// An empty model.
    public init() {}

    /// Decodes a serialized ModelProto (the contents of a `.onnx` file).
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = ModelProto.defaultMaxDepth
    ) throws(ONNXWireError) -> ModelProto {
        var reader = WireReader(bytes, maxDepth: maxDepth)
        var model = ModelProto()
        try model.merge(from: &reader)
        return model
    }

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: irVersion = try r.int64(tag, "ModelProto.ir_version")
            case 2: producerName = try r.string(tag, "ModelProto.producer_name")
            case 3: producerVersion = try r.string(tag, "ModelProto.producer_version")
            case 7:
                var sub = try r.message(tag, "ModelProto.graph")
                try graph.merge(from: &sub)
            case 8:
                var sub = try r.message(tag, "ModelProto.opset_import")
                var opset = OperatorSetID()
                try opset.merge(from: &sub)
                opsetImports.append(opset)
            default: try r.skip(tag)
            }
        }
    }
}

/// One opset import: an operator domain and its version.
public struct OperatorSetID: Sendable, Equatable {
    /// Operator domain; empty means the default "ai.onnx" domain (field 1).
    public var domain: String = ""
    /// Opset version within the domain (field 2).
    public var version: Int64 = 0

    /// An empty opset import.
    public init() {}

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: domain = try r.string(tag, "OperatorSetIdProto.domain")
            case 2: version = try r.int64(tag, "OperatorSetIdProto.version")
            default: try r.skip(tag)
            }
        }
    }
}

/// A computation graph: nodes in topological order plus initializers and typed inputs/outputs.
public struct GraphProto: Sendable, Equatable {
    /// Graph name (field 2).
    public var name: String = ""
    /// Nodes in topological order (field 1).
    public var nodes: [NodeProto] = []
    /// Constant tensors, usually weights (field 5).
    public var initializers: [TensorProto] = []
    /// Graph inputs, which may include initializer names (field 11).
    public var inputs: [ValueInfoProto] = []
    /// Graph outputs (field 12).
    public var outputs: [ValueInfoProto] = []
    /// Type information for intermediate values (field 13).
    public var valueInfo: [ValueInfoProto] = []

    /// An empty graph.
    public init() {}

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1:
                var sub = try r.message(tag, "GraphProto.node")
                var node = NodeProto()
                try node.merge(from: &sub)
                nodes.append(node)
            case 2: name = try r.string(tag, "GraphProto.name")
            case 5:
                var sub = try r.message(tag, "GraphProto.initializer")
                var tensor = TensorProto()
                try tensor.merge(from: &sub)
                initializers.append(tensor)
            case 11: inputs.append(try ValueInfoProto.decode(&r, tag, "GraphProto.input"))
            case 12: outputs.append(try ValueInfoProto.decode(&r, tag, "GraphProto.output"))
            case 13: valueInfo.append(try ValueInfoProto.decode(&r, tag, "GraphProto.value_info"))
            default: try r.skip(tag)
            }
        }
    }
}

/// One operator invocation in a graph.
public struct NodeProto: Sendable, Equatable {
    /// Input value names; an empty name marks an omitted optional input (field 1).
    public var inputs: [String] = []
    /// Output value names (field 2).
    public var outputs: [String] = []
    /// Optional node name (field 3).
    public var name: String = ""
    /// Operator type, e.g. "Conv" (field 4).
    public var opType: String = ""
    /// Operator domain; empty means "ai.onnx" (field 7).
    public var domain: String = ""
    /// Operator attributes (field 5).
    public var attributes: [AttributeProto] = []

    /// An empty node.
    public init() {}

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: inputs.append(try r.string(tag, "NodeProto.input"))
            case 2: outputs.append(try r.string(tag, "NodeProto.output"))
            case 3: name = try r.string(tag, "NodeProto.name")
            case 4: opType = try r.string(tag, "NodeProto.op_type")
            case 5:
                var sub = try r.message(tag, "NodeProto.attribute")
                var attribute = AttributeProto()
                try attribute.merge(from: &sub)
                attributes.append(attribute)
            case 7: domain = try r.string(tag, "NodeProto.domain")
            default: try r.skip(tag)
            }
        }
    }
}

/// A named operator attribute; `type` says which payload field is meaningful.
public struct AttributeProto: Sendable, Equatable {
    /// Attribute name (field 1).
    public var name: String = ""
    /// Raw `AttributeProto.AttributeType` (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 5 GRAPH, 6 FLOATS, 7 INTS, ...) (field 20).
    public var type: Int = 0
    /// Float payload (field 2).
    public var f: Float = 0
    /// Integer payload (field 3).
    public var i: Int64 = 0
    /// String payload as raw bytes (field 4).
    public var s: [UInt8] = []
    /// Tensor payload (field 5).
    public var t: TensorProto? = nil
    /// Subgraph payload, e.g. the branches of If or the body of Loop (field 6).
    public var g: GraphProto? = nil
    /// Repeated float payload (field 7).
    public var floats: [Float] = []
    /// Repeated integer payload (field 8).
    public var ints: [Int64] = []
    /// Repeated string payload as raw bytes (field 9).
    public var strings: [[UInt8]] = []
    /// Repeated tensor payload (field 10).
    public var tensors: [TensorProto] = []
    /// Repeated subgraph payload (field 11).
    public var graphs: [GraphProto] = []
    /// Name of the enclosing function's attribute this one refers to, if any (field 21).
    public var refAttrName: String = ""

    /// An empty attribute.
    public init() {}

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: name = try r.string(tag, "AttributeProto.name")
            case 2: f = try r.float(tag, "AttributeProto.f")
            case 3: i = try r.int64(tag, "AttributeProto.i")
            case 4: s = try r.bytes(tag, "AttributeProto.s")
            case 5:
                var sub = try r.message(tag, "AttributeProto.t")
                var tensor = t ?? TensorProto()
                try tensor.merge(from: &sub)
                t = tensor
            case 6:
                var sub = try r.message(tag, "AttributeProto.g")
                var graph = g ?? GraphProto()
                try graph.merge(from: &sub)
                g = graph
            case 7: try r.appendFixed(tag, "AttributeProto.floats", as: UInt32.self, into: &floats) { Float(bitPattern: $0) }
            case 8: try r.appendVarints(tag, "AttributeProto.ints", into: &ints) { Int64(bitPattern: $0) }
            case 9: strings.append(try r.bytes(tag, "AttributeProto.strings"))
            case 10:
                var sub = try r.message(tag, "AttributeProto.tensors")
                var tensor = TensorProto()
                try tensor.merge(from: &sub)
                tensors.append(tensor)
            case 11:
                var sub = try r.message(tag, "AttributeProto.graphs")
                var graph = GraphProto()
                try graph.merge(from: &sub)
                graphs.append(graph)
            case 20: type = Int(try r.int32(tag, "AttributeProto.type"))
            case 21: refAttrName = try r.string(tag, "AttributeProto.ref_attr_name")
            default: try r.skip(tag)
            }
        }
    }
}

/// One key/value pair, as used by `TensorProto.externalData`.
public struct StringStringEntry: Sendable, Equatable {
    /// Entry key, e.g. "location", "offset", "length" (field 1).
    public var key: String = ""
    /// Entry value (field 2).
    public var value: String = ""

    /// An empty entry.
    public init() {}

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: key = try r.string(tag, "StringStringEntryProto.key")
            case 2: value = try r.string(tag, "StringStringEntryProto.value")
            default: try r.skip(tag)
            }
        }
    }
}
