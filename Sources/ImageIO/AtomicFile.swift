#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that readers see the old file, or the whole new one, never a part:
/// the bytes go to a temporary file in the same folder, which is then renamed over the target.
public enum AtomicFile {
    /// Prefix of temporary files, so that tools and tests can recognise leftovers.
    public static let temporaryPrefix = ".camkit-tmp-"

    /// Who writes this process's temporaries: `<pid>.<host>`, so that a folder shared by
    /// several machines (shards) can tell its own dead writers from other hosts' live ones.
    public static let writerTag: String = {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "host"
        return "\(getpid())." + String(host.filter { $0.isLetter || $0.isNumber }.prefix(32))
    }()

    /// Writes `bytes` to `path` atomically. On failure nothing is left behind.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        let (folder, name) = split(path)
        let temp = folder + temporaryPrefix + writerTag + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-" + name
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw FileError(errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                Glibc.write(fd, buf.baseAddress! + written, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temp)
                throw FileError(errno: code)
            }
            written += n
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temp)
            throw FileError(errno: code)
        }
        if rename(temp, path) != 0 {
            let code = errno
            unlink(temp)
            throw FileError(errno: code)
        }
    }

    /// Writes UTF-8 text atomically.
    public static func write(text: String, to path: String) throws(FileError) {
        try write(Array(text.utf8), to: path)
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}
