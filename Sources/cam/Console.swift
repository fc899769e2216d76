import CAMKit
import FolderRuns
import Foundation

/// stderr output and the progress display.
enum Console {
    /// One line on stderr; control characters in it (from file names) are escaped, so a
    /// message never splits or forges another line.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((DisplayText.escaped(line) + "\n").utf8))
    }
}

/// A progress bar on a terminal (count, rate, ETA), plain lines otherwise (stderr not a terminal,
/// or `TERM=dumb`, which cannot return the cursor), nothing when quiet. camkit writes no colour
/// anywhere, so `NO_COLOR` holds whatever its value.
final class Progress: @unchecked Sendable {
    let total: Int
    let quiet: Bool
    let terminal = isatty(2) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    let start = Date()
    let lock = NSLock()
    var lastPrinted = Date.distantPast

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
    }

    func update(done: Int, record: ResultRecord) {
        update(done: done, item: record.input, summary: record.predictions?.first.map { "\($0.label) \(String(format: "%.2f", $0.probability))" } ?? record.status.rawValue)
    }

    /// `summary` is printed after the item's name on plain (non-terminal) output.
    func update(done: Int, item: String, summary: @autoclosure () -> String) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        if terminal {
            guard done == total || Date().timeIntervalSince(lastPrinted) > 0.1 else { return }
            lastPrinted = Date()
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r%@ %d/%d  %.1f photos/s  ETA %.0fs ", bar, done, total, rate, eta).utf8))
        } else {
            Console.error("[\(done)/\(total)] \(item): \(summary())")
        }
    }

    func finish() {
        if terminal && !quiet && total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
