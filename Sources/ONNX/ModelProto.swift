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

/// A tensor value: shape, element type and data in one of several storage fields.
public struct TensorProto: Sendable, Equatable {
    /// Dimensions, outermost first (field 1).
    public var dims: [Int64] = []
    /// Raw `TensorProto.DataType` (1 FLOAT, 6 INT32, 7 INT64, 9 BOOL, 10 FLOAT16, 11 DOUBLE, ...) (field 2).
    public var dataType: Int32 = 0
    /// Tensor name (field 8).
    public var name: String = ""
    /// Float (and complex64) data (field 4).
    public var floatData: [Float] = []
    /// Int32 data, also holding int8/int16/uint8/uint16/bool/float16/bfloat16 values (field 5).
    public var int32Data: [Int32] = []
    /// String-tensor elements as raw bytes (field 6).
    public var stringData: [[UInt8]] = []
    /// Int64 data (field 7).
    public var int64Data: [Int64] = []
    /// Double (and complex128) data (field 10).
    public var doubleData: [Double] = []
    /// Uint32 and uint64 data (field 11).
    public var uint64Data: [UInt64] = []
    /// Little-endian packed element bytes, the usual storage for weights (field 9).
    public var rawData: [UInt8] = []
    /// External-storage description: location, offset, length, checksum (field 13).
    public var externalData: [StringStringEntry] = []
    /// Raw `DataLocation`: 0 DEFAULT (inline), 1 EXTERNAL (field 14).
    public var dataLocation: Int32 = 0

    /// An empty tensor.
    public init() {}

    /// Decodes a serialized bare TensorProto (e.g. an ONNX test-data `input_0.pb`).
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = ModelProto.defaultMaxDepth
    ) throws(ONNXWireError) -> TensorProto {
        var reader = WireReader(bytes, maxDepth: maxDepth)
        var tensor = TensorProto()
        try tensor.merge(from: &reader)
        return tensor
    }

    mutating func merge(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case 1: try r.appendVarints(tag, "TensorProto.dims", into: &dims) { Int64(bitPattern: $0) }
            case 2: dataType = try r.int32(tag, "TensorProto.data_type")
            case 4: try r.appendFixed(tag, "TensorProto.float_data", as: UInt32.self, into: &floatData) { Float(bitPattern: $0) }
            case 5: try r.appendVarints(tag, "TensorProto.int32_data", into: &int32Data) { Int32(truncatingIfNeeded: $0) }
            case 6: stringData.append(try r.bytes(tag, "TensorProto.string_data"))
            case 7: try r.appendVarints(tag, "TensorProto.int64_data", into: &int64Data) { Int64(bitPattern: $0) }
            case 8: name = try r.string(tag, "TensorProto.name")
            case 9: rawData = try r.bytes(tag, "TensorProto.raw_data")
            case 10: try r.appendFixed(tag, "TensorProto.double_data", as: UInt64.self, into: &doubleData) { Double(bitPattern: $0) }
            case 11: try r.appendVarints(tag, "TensorProto.uint64_data", into: &uint64Data) { $0 }
            case 13:
                var sub = try r.message(tag, "TensorProto.external_data")
                var entry = StringStringEntry()
                try entry.merge(from: &sub)
                externalData.append(entry)
            case 14: dataLocation = try r.int32(tag, "TensorProto.data_location")
            default: try r.skip(tag)
            }
        }
    }
}

/// One dimension of a tensor shape.
public enum Dimension: Sendable, Equatable {
    /// A known extent (`dim_value`).
    case value(Int64)
    /// A symbolic extent such as "batch" (`dim_param`).
    case param(String)
    /// Neither value nor parameter given.
    case unknown
}

/// A named, typed value (graph input, output or intermediate); only tensor types are decoded.
public struct ValueInfoProto: Sendable, Equatable {
    /// Value name (field 1).
    public var name: String = ""
    /// Raw element `DataType` of a tensor type; 0 if absent or not a tensor type.
    public var elemType: Int32 = 0
    /// Tensor shape, or nil when the type carries no shape (rank unknown).
    public var shape: [Dimension]? = nil

    /// An empty value info.
    public init() {}

    static func decode(
        _ r: inout WireReader, _ tag: WireTag, _ field: String
    ) throws(ONNXWireError) -> ValueInfoProto {
        var sub = try r.message(tag, field)
        var info = ValueInfoProto()
        while !sub.isAtEnd {
            let inner = try sub.readTag()
            switch inner.field {
            case 1: info.name = try sub.string(inner, "ValueInfoProto.name")
            case 2:
                var type = try sub.message(inner, "ValueInfoProto.type")
                try info.mergeType(from: &type)
            default: try sub.skip(inner)
            }
        }
        return info
    }

    /// TypeProto: only `tensor_type` (field 1) is decoded; sequence/map/optional types are skipped.
    private mutating func mergeType(from r: inout WireReader) throws(ONNXWireError) {
        while !r.isAtEnd {
            let tag = try r.readTag()
            guard tag.field == 1 else { try r.skip(tag); continue }
            var tensor = try r.message(tag, "TypeProto.tensor_type")
            while !tensor.isAtEnd {
                let inner = try tensor.readTag()
                switch inner.field {
                case 1: elemType = try tensor.int32(inner, "TypeProto.Tensor.elem_type")
                case 2:
                    var shapeReader = try tensor.message(inner, "TypeProto.Tensor.shape")
                    try mergeShape(from: &shapeReader)
                default: try tensor.skip(inner)
                }
            }
        }
    }

    /// TensorShapeProto: repeated `dim` (field 1), each a oneof of dim_value (1) / dim_param (2).
    private mutating func mergeShape(from r: inout WireReader) throws(ONNXWireError) {
        var dims = shape ?? []
        while !r.isAtEnd {
            let tag = try r.readTag()
            guard tag.field == 1 else { try r.skip(tag); continue }
            var dimReader = try r.message(tag, "TensorShapeProto.dim")
            var dim = Dimension.unknown
            while !dimReader.isAtEnd {
                let inner = try dimReader.readTag()
                switch inner.field {
                case 1: dim = .value(try dimReader.int64(inner, "TensorShapeProto.Dimension.dim_value"))
                case 2: dim = .param(try dimReader.string(inner, "TensorShapeProto.Dimension.dim_param"))
                default: try dimReader.skip(inner)
                }
            }
            dims.append(dim)
        }
        shape = dims
    }
}
