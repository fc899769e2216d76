import FileIO
import Inference

/// An ONNX file read and converted to an `Inference.Graph`, with what `cam model` reports.
public struct ONNXModel: Sendable {
    /// The converted graph (before load-time rewrites).
    public let graph: Graph
    /// Default-domain opset.
    public let opset: Int
    public let producer: String
    /// Op types in file order, for histograms.
    public let opTypes: [String]
    /// Where it was read from.
    public let path: String

    /// Largest accepted model file: 2 GiB (protobuf's own limit).
    public static let defaultMaxFileBytes = Int(Int32.max)
    /// Largest accepted node count.
    public static let defaultMaxNodes = 100_000

    /// Reads and converts `path`. Unsupported operators are reported here, before any image is read.
    public static func load(path: String, maxFileBytes: Int = defaultMaxFileBytes, maxNodes: Int = defaultMaxNodes) throws(ONNXError) -> ONNXModel {
        try load(bytes: readFile(path, limit: maxFileBytes), path: path, maxNodes: maxNodes)
    }

    /// Converts model bytes already read from `path` (external data resolves beside it).
    public static func load(bytes: [UInt8], path: String, maxNodes: Int = defaultMaxNodes) throws(ONNXError) -> ONNXModel {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return try parse(bytes, path: path, modelFolder: folder, maxNodes: maxNodes)
    }

    /// The bytes of a model file, refused when over `limit` (checked before reading).
    public static func readFile(_ path: String, limit: Int = defaultMaxFileBytes) throws(ONNXError) -> [UInt8] {
        try ModelFile.read(path, limit: limit)
    }

    /// Converts model bytes; `modelFolder` resolves external data (nil forbids it).
    public static func parse(_ bytes: [UInt8], path: String = "<memory>", modelFolder: String? = nil,
                             maxNodes: Int = defaultMaxNodes) throws(ONNXError) -> ONNXModel {
        let proto: ModelProto
        do { proto = try ModelProto.parse(bytes) } catch { throw .malformed(path: path, detail: error.description) }
        let opset = Int(proto.opsetImports.first { $0.domain == "" || $0.domain == "ai.onnx" }?.version ?? 0)
        guard opset > 0 else { throw .malformed(path: path, detail: proto.opsetImports.isEmpty && proto.graph.nodes.isEmpty ? "not an ONNX model (no graph, no opset)" : "no default-domain opset import") }
        let g = proto.graph
        guard g.nodes.count <= maxNodes else { throw .tooManyNodes(count: g.nodes.count, limit: maxNodes) }
        var constants: [String: ConstantValue] = [:]
        for t in g.initializers { constants[t.name] = try TensorDecoding.decode(t, modelFolder: modelFolder) }
        var nodes: [Node] = []
        let consumed = Set(g.nodes.flatMap(\.inputs) + g.outputs.map(\.name))
        for (index, n) in g.nodes.enumerated() {
            let name = n.name.isEmpty ? "\(n.opType)_\(index)" : n.name
            guard n.domain.isEmpty || n.domain == "ai.onnx" else { throw .unsupportedOperator(type: "\(n.domain).\(n.opType)", node: name, opset: opset) }
            if n.opType == "Constant" {
                guard let out = n.outputs.first else { throw .malformed(path: path, detail: "Constant node '\(name)' has no output") }
                constants[out] = try OperatorMapping.constantValue(n, name: name)
                continue
            }
            if n.opType == "Dropout" {
                // Inference: the identity. A mask nobody reads is dropped (torch ≥ 1.12 names it
                // anyway); in training mode only a ratio of 0 keeps it the identity (torchvision's
                // Swin calls F.dropout(p=0) with torch's default training=True).
                guard let x = n.inputs.first, !x.isEmpty, let y = n.outputs.first else {
                    throw .malformed(path: path, detail: "Dropout node '\(name)' has no input or output")
                }
                if n.outputs.count > 1, !n.outputs[1].isEmpty, consumed.contains(n.outputs[1]) {
                    throw .unsupportedAttribute(op: "Dropout", node: name, detail: "mask output")
                }
                if n.inputs.count > 2, !n.inputs[2].isEmpty {
                    guard let training = constants[n.inputs[2]] else {
                        throw .unsupportedAttribute(op: "Dropout", node: name, detail: "training_mode known only at run time")
                    }
                    let ratio = n.inputs.count > 1 && !n.inputs[1].isEmpty ? constants[n.inputs[1]]?.floats.first : 0.5
                    if training.floats.contains(where: { $0 != 0 }) && ratio != 0 {
                        throw .unsupportedAttribute(op: "Dropout", node: name, detail: "training mode")
                    }
                }
                nodes.append(Node(name: name, op: .identity, inputs: [x], outputs: [y]))
                continue
            }
            if n.opType == "Einsum" {
                nodes += try EinsumExpansion.expand(n, name: name)
                continue
            }
            let op = try OperatorMapping.map(n, name: name, opset: opset)
            nodes.append(Node(name: name, op: op, inputs: n.inputs, outputs: n.outputs))
        }
        var inputs: [GraphInput] = []
        for vi in g.inputs where constants[vi.name] == nil {
            // Integer inputs (shapes, indices) are accepted here; they must be supplied as constants.
            guard [0, 1, 6, 7].contains(vi.elemType) else {
                throw .unsupportedDataType(tensor: vi.name, dataType: Int(vi.elemType))
            }
            let shape: [Int?] = (vi.shape ?? []).map { d in
                if case .value(let v) = d, v > 0 { return Int(v) }
                return nil
            }
            inputs.append(GraphInput(name: vi.name, shape: shape, isFloat: vi.elemType != 6 && vi.elemType != 7))
        }
        let graph = Graph(nodes: nodes, constants: constants, inputs: inputs, outputs: g.outputs.map(\.name))
        return ONNXModel(graph: graph, opset: opset, producer: proto.producerName + (proto.producerVersion.isEmpty ? "" : " " + proto.producerVersion),
                         opTypes: g.nodes.map(\.opType), path: path)
    }

    /// Number of float parameters in the initializers.
    public var parameterCount: Int {
        graph.constants.values.reduce(0) { sum, c in
            if case .float(let t) = c { return sum + t.count }
            return sum
        }
    }
}

extension ONNXModel {
    /// Decodes a bare TensorProto file (the `.pb` files of ONNX's backend tests).
    public static func tensor(fromProtobuf bytes: [UInt8], name: String) throws(ONNXError) -> ConstantValue {
        let proto: TensorProto
        do { proto = try TensorProto.parse(bytes) } catch { throw .malformed(path: name, detail: error.description) }
        return try TensorDecoding.decode(proto, modelFolder: nil)
    }
}

/// Reading the model file with a size limit (checked before reading).
enum ModelFile {
    static func read(_ path: String, limit: Int) throws(ONNXError) -> [UInt8] {
        do { return try FileBytes.read(path, limit: limit) { HugePages.advise($0.baseAddress, byteCount: $0.count) } } catch {
            if let size = error.size { throw .tooLarge(path: path, bytes: size, limit: limit) }
            throw .unreadable(path: path, reason: error.reason)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
