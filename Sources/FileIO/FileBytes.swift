#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads through POSIX calls: no Foundation, and errno preserved for messages.
public enum FileBytes {
    /// Reads the whole file; refuses directories and files larger than `limit` bytes. `prepare`
    /// sees the storage before it is filled (a model's reader advises huge pages there).
    public static func read(_ path: String, limit: Int = Int.max,
                            prepare: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) throws(FileError) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO or device must not hang; only regular files are read.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw FileError(errno: errno) }
        defer { close(fd) }
        return try read(descriptor: fd, limit: limit, prepare: prepare)
    }

    /// Reads the whole file at a path given as bytes (a name need not be valid UTF-8).
    public static func read(location: [UInt8], limit: Int = Int.max) throws(FileError) -> [UInt8] {
        let fd = (location.map { CChar(bitPattern: $0) } + [0]).withUnsafeBufferPointer {
            open($0.baseAddress!, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        }
        if fd < 0 { throw FileError(errno: errno) }
        defer { close(fd) }
        return try read(descriptor: fd, limit: limit)
    }

    /// Reads the whole file behind an open descriptor (which stays open).
    public static func read(descriptor fd: Int32, limit: Int = Int.max,
                            prepare: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) throws(FileError) -> [UInt8] {
        var info = stat()
        if fstat(fd, &info) != 0 { throw FileError(errno: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(errno: EISDIR) }
        if (info.st_mode & S_IFMT) != S_IFREG { throw FileError(reason: "not a regular file") }
        let expected = Int(info.st_size)
        if expected > limit { throw FileError(reason: "file is \(expected) bytes, over the limit of \(limit)", size: expected) }
        // Read into uninitialised storage: a model's weights are tens of megabytes, and a
        // zeroing pass before read(2) fills them would touch every page twice.
        var failure: FileError?
        let bytes = [UInt8](unsafeUninitializedCapacity: max(expected, 0)) { buffer, count in
            prepare(UnsafeMutableRawBufferPointer(buffer))
            var filled = 0
            while filled < expected {
                let n = Glibc.read(fd, buffer.baseAddress! + filled, expected - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileError(errno: errno)
                    break
                }
                if n == 0 { break }
                filled += n
            }
            count = filled
        }
        if let failure { throw failure }
        return bytes
    }
}
