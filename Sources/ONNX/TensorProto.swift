// Plain value types for the subset of onnx.proto that inference needs, and
// their decoding with `WireReader`. Unknown fields are skipped; repeated
// fields append and scalars take the last value, and a repeated occurrence of
// an embedded message field merges into the earlier one, as protobuf does.

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
    /// A view into the model file's bytes (no copy).
    public var rawData: ArraySlice<UInt8> = []
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
            case 9: rawData = try r.byteSlice(tag, "TensorProto.raw_data")
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
