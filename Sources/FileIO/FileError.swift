#if canImport(Glibc)
import Glibc
#endif

/// A failed POSIX file operation, with the system's reason.
public struct FileError: Error, Sendable, Equatable {
    /// `strerror` text, e.g. "No such file or directory".
    public let reason: String
    /// The errno value (0 when the cause is not a system error).
    public let code: Int32
    /// For a file refused as too large: its size in bytes.
    public let size: Int?

    init(errno code: Int32) {
        self.code = code
        self.reason = String(cString: strerror(code))
        self.size = nil
    }

    init(reason: String, size: Int? = nil) {
        self.code = 0
        self.reason = reason
        self.size = size
    }
}
