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

    /// Writes `bytes` to `path` atomically (through `OutputFolder`, so a link at `path` is
    /// replaced, never followed). On failure nothing is left behind.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        let (folder, name) = split(path)
        try OutputFolder(folder.isEmpty ? "." : folder, create: false).write(bytes, to: name)
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
