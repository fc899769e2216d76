import CAMKit
import Foundation

/// The workers that explain photos: a fixed set of threads, each owning one classifier session
/// (plans are not thread-safe), fed by a bounded queue. Explaining blocks a CPU for tens of
/// milliseconds to seconds, so it never runs on the server's event loops; a request past
/// `maxInflight` is refused at once (503) instead of piling up threads or memory.
final class WorkerQueue: @unchecked Sendable {  // mutable state only under `condition`
    private struct Job {
        let id: Int
        let run: (ClassifierSession) -> Void
        let expire: (ServiceProblem) -> Void
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var running = 0
    private var nextID = 0
    private var stopping = false
    /// Worker threads not yet returned (after `stop`, each returns once the queue is empty).
    private var alive = 0
    private let limits: ServiceLimits
    private let depth: @Sendable (Int) -> Void

    /// Starts `limits.workers` threads on `classifier`; `depth` hears the number of requests
    /// queued or running whenever it changes.
    init(classifier: Classifier, limits: ServiceLimits, depth: @escaping @Sendable (Int) -> Void) {
        self.limits = limits
        self.depth = depth
        alive = max(limits.workers, 1)
        for i in 0..<max(limits.workers, 1) {
            let thread = Thread { [self] in work(classifier) }
            thread.name = "cam-serve-worker-\(i)"
            thread.start()
        }
    }

    /// Runs `body` on a worker with its session; throws a 503 problem when the queue is full,
    /// the request waited past its deadline, or the service is stopping.
    func run<T: Sendable>(_ body: @escaping @Sendable (ClassifierSession) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            defer { condition.unlock() }
            if stopping {
                continuation.resume(throwing: ServiceProblem(.stopping, .serviceUnavailable, "the service is stopping"))
                return
            }
            guard running + jobs.count < max(limits.maxInflight, 1) else {
                continuation.resume(throwing: ServiceProblem(.busy, .serviceUnavailable,
                    "\(running + jobs.count) requests in flight, the most this service takes (--max-inflight \(limits.maxInflight))"))
                return
            }
            let id = nextID
            nextID += 1
            jobs.append(Job(id: id, run: { session in continuation.resume(with: Result { try body(session) }) },
                            expire: { continuation.resume(throwing: $0) }))
            depth(running + jobs.count)
            condition.signal()
            // The deadline: a request still waiting then is answered 503 at that moment.
            DispatchQueue.global().asyncAfter(deadline: .now() + limits.deadlineSeconds) { [weak self] in self?.expire(id) }
        }
    }

    /// Answers the request `id` 503 if it is still waiting for a worker.
    private func expire(_ id: Int) {
        condition.lock()
        guard let i = jobs.firstIndex(where: { $0.id == id }) else {
            condition.unlock()
            return
        }
        let job = jobs.remove(at: i)
        depth(running + jobs.count)
        condition.unlock()
        job.expire(ServiceProblem(.deadline, .serviceUnavailable,
            "waited \(limits.deadlineSeconds) s for a worker, the deadline (--deadline); try again later"))
    }

    /// Refuses new requests from now on; queued ones still run. Returns when every worker has
    /// finished and released its session (nothing of the service is alive when the process
    /// exits).
    func stopAndWait() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while alive > 0 { condition.wait() }
        condition.unlock()
    }

    private func work(_ classifier: Classifier) {
        // The session (its plans) is released before the worker counts itself out, so that
        // nothing of it is alive once `stopAndWait` returns.
        var session: ClassifierSession? = classifier.makeSession()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {   // stopping, and nothing left to do
                condition.unlock()
                session = nil
                condition.lock()
                alive -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            running += 1
            condition.unlock()
            if let session { job.run(session) }
            condition.lock()
            running -= 1
            depth(running + jobs.count)
            condition.unlock()
        }
    }
}
