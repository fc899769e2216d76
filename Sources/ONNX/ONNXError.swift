import Inference

/// Why an ONNX model could not be loaded. Each case names the file, node or tensor concerned.
public enum ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case malformed(path: String, detail: String)
    case unsupportedOperator(type: String, node: String, opset: Int)
    case unsupportedAttribute(op: String, node: String, detail: String)
    case unsupportedDataType(tensor: String, dataType: Int)
    case badTensor(tensor: String, detail: String)
    case externalData(tensor: String, detail: String)
    case tooManyNodes(count: Int, limit: Int)
    case noGraphInput(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read model (\(reason))"
        case let .tooLarge(path, bytes, limit): return "\(path): model file is \(bytes) bytes, over the limit of \(limit)"
        case let .malformed(path, detail): return "\(path): malformed ONNX file (\(detail))"
        case let .unsupportedOperator(type, node, opset): return "unsupported operator \(type) (node '\(node)', opset \(opset))"
        case let .unsupportedAttribute(op, node, detail): return "\(op) node '\(node)': unsupported \(detail)"
        case let .unsupportedDataType(tensor, dataType): return "tensor '\(tensor)': unsupported data type \(dataType)"
        case let .badTensor(tensor, detail): return "tensor '\(tensor)': \(detail)"
        case let .externalData(tensor, detail): return "tensor '\(tensor)': external data \(detail)"
        case let .tooManyNodes(count, limit): return "graph has \(count) nodes, over the limit of \(limit)"
        case let .noGraphInput(path): return "\(path): the graph has no runtime input"
        }
    }
}
