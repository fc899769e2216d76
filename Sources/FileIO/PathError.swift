/// A file operation that failed on a named path: what camkit reports for files that are not
/// images (reports, logs, raw maps, copied shard outputs, output folders).
public struct PathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done.
    public enum Operation: String, Sendable { case read, write, create }

    public let path: String
    public let operation: Operation
    public let cause: FileError

    public init(_ operation: Operation, _ path: String, _ cause: FileError) {
        self.path = path
        self.operation = operation
        self.cause = cause
    }

    public var description: String {
        switch operation {
        case .read: return "\(path): cannot read file (\(cause.reason))"
        case .write: return "\(path): cannot write file (\(cause.reason))"
        case .create: return "\(path): cannot create folder (\(cause.reason))"
        }
    }
}
