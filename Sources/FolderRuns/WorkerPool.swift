import CAMKit
import Foundation

/// Items processed by a few workers, each with its own per-worker state (a `ClassifierSession`:
/// plans are not thread-safe), results returned in item order. Shared by `cam explain` and
/// `cam eval`.
enum WorkerPool {
    /// Runs `body` on items 0..<count with `workers` workers; `finished(done, index, result)` is
    /// called as each item completes (from the worker's thread).
    static func map<State, Result>(count: Int, workers: Int, state makeState: @Sendable () -> State,
                                   _ body: @Sendable (State, Int) -> Result,
                                   finished: @Sendable (Int, Int, Result) -> Void) -> [Result] {
        let results = Slots<Result>(count: count)
        let next = Counter(), done = Counter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
            let state = makeState()
            while true {
                let i = next.increment() - 1
                if i >= count { break }
                let result = body(state, i)
                results.set(i, result)
                finished(done.increment(), i, result)
            }
        }
        return results.all()
    }
}

/// A lock-protected counter shared by workers.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

/// Results written by index from several workers.
final class Slots<T>: @unchecked Sendable {
    private var items: [T?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ item: T) { lock.lock(); items[i] = item; lock.unlock() }
    func all() -> [T] { items.map { $0! } }
}
