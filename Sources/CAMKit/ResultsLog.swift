import Foundation
import ImageIO
#if canImport(Glibc)
import Glibc
#endif

/// results.jsonl while a run is going: each finished photo's record is appended as one complete
/// line by a single write(2), so a run killed at any moment leaves only whole lines. The run
/// ends by replacing the file atomically with all records in input order.
public final class ResultsLog: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private let encoder = ReportWriter.encoder()

    /// Truncates (or creates) `path` for appending.
    public init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { throw ImageError.unwritable(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// Appends one record as one line.
    public func append(_ record: ResultRecord) {
        guard var line = try? encoder.encode(record) else { return }
        line.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        _ = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }
}

/// Removes temporary files that a killed run left in the output tree (their writer is gone).
public enum StaleTemporaries {
    /// Returns the paths removed.
    @discardableResult
    public static func clean(_ folder: String, abandonedAfter: TimeInterval = 3600) -> [String] {
        var removed: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        for case let relative as String in walker {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix(AtomicFile.temporaryPrefix) else { continue }
            // .camkit-tmp-<pid>.<host>-<random>-<name>: on this host, keep the files of live
            // writers (another process may share the folder); another host's writer cannot be
            // asked, so its files go only when older than `abandonedAfter` (a write takes seconds).
            let path = folder + "/" + relative
            let tag = name.dropFirst(AtomicFile.temporaryPrefix.count).prefix { $0 != "-" }
            let ownTag = AtomicFile.writerTag
            let sameHost = tag.drop { $0 != "." } == ownTag.drop { $0 != "." }
            if sameHost {
                if let pid = Int32(tag.prefix { $0 != "." }), pid != getpid(), kill(pid, 0) == 0 || errno == EPERM { continue }
            } else {
                guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      Date().timeIntervalSince(modified) > abandonedAfter else { continue }
            }
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }
}
