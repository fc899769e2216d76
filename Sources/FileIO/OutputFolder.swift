#if canImport(Glibc)
import Glibc
#endif

/// A folder camkit writes into, opened once. Every file in it is created relative to the
/// folder's descriptor: sub-folders are entered one component at a time with `O_NOFOLLOW`, and
/// each file is written to a fresh temporary (`O_CREAT | O_EXCL`) that is renamed over the
/// name. So a symlink (dangling or not), a FIFO or a hard link planted in the folder can never
/// redirect a write: the rename replaces the planted entry and leaves what it pointed at alone,
/// and a symlink standing where a sub-folder should be is refused with an error naming it.
/// Written by hand because this is camkit's own policy: Foundation's writers follow links.
public final class OutputFolder: Sendable {
    /// The folder as the user named it (the root itself may be a symlink: that is their choice).
    public let path: String
    let fd: Int32

    /// Opens `path`, creating it (and its parents) first when `create` is set.
    public init(_ path: String, create: Bool = true) throws(FileError) {
        self.path = path
        if create { try OutputFolder.makeFolders(path) }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw FileError(errno: errno) }
    }

    deinit { close(fd) }

    /// `path/relative`, for messages and records.
    public func display(_ relative: String) -> String { path + "/" + relative }

    /// Writes `bytes` to `relative` atomically, creating its sub-folders.
    public func write(_ bytes: [UInt8], to relative: String) throws(FileError) {
        let (dir, name) = try openParent(of: relative)
        defer { if dir != fd { close(dir) } }
        let temp = OutputFolder.temporaryName(for: name)
        let file = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        if file < 0 { throw FileError(errno: errno) }
        do { try OutputFolder.writeAll(file, bytes) } catch {
            close(file)
            unlinkat(dir, temp, 0)
            throw error
        }
        if close(file) != 0 {
            let code = errno
            unlinkat(dir, temp, 0)
            throw FileError(errno: code)
        }
        if renameat(dir, temp, dir, name) != 0 {
            let code = errno
            unlinkat(dir, temp, 0)
            throw FileError(errno: code)
        }
    }

    /// Writes UTF-8 text atomically.
    public func write(text: String, to relative: String) throws(FileError) {
        try write(Array(text.utf8), to: relative)
    }

    /// A new empty file at `relative`, open for appending: created as a temporary and renamed
    /// into place, so whatever stood at the name before (a link to elsewhere) is replaced, not
    /// followed. The caller owns the returned descriptor.
    public func createForAppending(_ relative: String) throws(FileError) -> Int32 {
        let (dir, name) = try openParent(of: relative)
        defer { if dir != fd { close(dir) } }
        let temp = OutputFolder.temporaryName(for: name)
        let file = openat(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0o644)
        if file < 0 { throw FileError(errno: errno) }
        if renameat(dir, temp, dir, name) != 0 {
            let code = errno
            close(file)
            unlinkat(dir, temp, 0)
            throw FileError(errno: code)
        }
        return file
    }

    /// The bytes of `relative` if it is a regular file inside the folder reached without
    /// following any symlink; nil otherwise.
    public func readRegularFile(_ relative: String, limit: Int = 1 << 30) -> [UInt8]? {
        guard let (dir, name) = try? openParent(of: relative, create: false) else { return nil }
        defer { if dir != fd { close(dir) } }
        let file = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if file < 0 { return nil }
        defer { close(file) }
        return try? FileBytes.read(descriptor: file, limit: limit)
    }

    /// Removes the entry `relative` (a link is removed, never followed; folders are kept).
    public func remove(_ relative: String) {
        guard let (dir, name) = try? openParent(of: relative, create: false) else { return }
        defer { if dir != fd { close(dir) } }
        unlinkat(dir, name, 0)
    }

    /// Opens the folder that will hold `relative` (creating missing ones) and returns it with the
    /// last component. Refuses absolute paths, `.`/`..` components and non-folders on the way.
    func openParent(of relative: String, create: Bool = true) throws(FileError) -> (Int32, String) {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !relative.hasPrefix("/"), let name = parts.last,
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw FileError(reason: "'\(relative)' is not a plain path inside the output folder")
        }
        var dir = fd
        var walked = path
        for part in parts.dropLast() {
            walked += "/" + part
            var next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(dir, part, 0o755) != 0 && errno != EEXIST {
                    let code = errno
                    if dir != fd { close(dir) }
                    throw FileError(errno: code)
                }
                next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            if dir != fd { close(dir) }
            if next < 0 {
                if code == ELOOP || code == ENOTDIR {
                    throw FileError(reason: "\(walked) is a symlink or not a folder: refusing to write through it, it could lead outside the output folder")
                }
                throw FileError(errno: code)
            }
            dir = next
        }
        return (dir, name)
    }

    static func temporaryName(for name: String) -> String {
        AtomicFile.temporaryPrefix + AtomicFile.writerTag + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            + "-" + String(name.utf8.prefix(120).map { Character(Unicode.Scalar($0 < 0x80 ? $0 : 0x5F)) })
    }

    static func writeAll(_ file: Int32, _ bytes: [UInt8]) throws(FileError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(file, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(errno: errno)
            }
            written += n
        }
    }

    /// `mkdir -p`: the user's own path, so symlinks in it are followed.
    static func makeFolders(_ path: String) throws(FileError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST { throw FileError(errno: errno) }
            prefix += "/"
        }
    }
}
