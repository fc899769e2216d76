import CAMKit
import FileIO
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

    /// Starts an empty `name` in `folder`. The new file replaces whatever stood at the name
    /// (a symlink, a FIFO, a hard link to another file) without writing through it.
    public init(folder: OutputFolder, name: String) throws(PathError) {
        do { fd = try folder.createForAppending(name) } catch {
            throw PathError(.write, folder.display(name), error)
        }
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
