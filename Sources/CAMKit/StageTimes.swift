import Foundation

/// Time spent per pipeline stage, summed over photos and workers, for `--timings`.
public final class StageTimes: @unchecked Sendable {
    /// The stages, in pipeline order.
    public enum Stage: String, CaseIterable, Sendable {
        case read, decode, preprocess, forward, map = "map+box", overlay, encode = "encode+write"
    }

    private var totals: [Stage: Duration] = [:]
    private let lock = NSLock()

    public init() {}

    /// Runs `body`, adding its duration to `stage`.
    @discardableResult
    public func measure<T, E: Error>(_ stage: Stage, _ body: () throws(E) -> T) throws(E) -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            lock.lock()
            totals[stage, default: .zero] += elapsed
            lock.unlock()
        }
        return try body()
    }

    /// Milliseconds per stage.
    public func milliseconds() -> [(Stage, Double)] {
        lock.lock()
        defer { lock.unlock() }
        return Stage.allCases.map { s in
            let d = totals[s] ?? .zero
            return (s, Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
    }
}
