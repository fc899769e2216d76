import ArgumentParser
import CAMKit
import Dispatch
import Foundation
import Service

/// `cam serve`: explanations over HTTP, the model loaded once (`ExplanationService`).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain photos over HTTP: POST /v1/explain and /v1/classify, GET /v1/model, /openapi.json, /metrics, /healthz, and a viewer at /.",
        discussion: "Binds to loopback unless --host says otherwise. SIGTERM or SIGINT: it stops accepting connections, in-flight requests finish, then the process exits 0. Nothing is written to the file system. --layer is a query parameter here (?layer=NAME), not a flag.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port; the address is printed on stderr).") var port = 8080
    @Option(help: "Photos explained at once, each by a worker with its own plans (default: the cores).") var workers: Int?
    @Option(help: "Threads per worker's forward pass (workers × threads never exceeds the cores).") var threads = 1
    @Option(name: .customLong("max-inflight"), help: "Explain and classify requests running or waiting; one more gets 503 with Retry-After.") var maxInflight = 16
    @Option(name: .customLong("max-body"), help: "Largest request body, in bytes (413 past it, refused from Content-Length before reading).") var maxBody = 32 << 20
    @Option(name: .customLong("max-pixels"), help: "Largest photo, in pixels, read from its header before decoding (413 past it).") var maxPixels = 40_000_000
    @Option(help: "Seconds a request may wait for a worker (then 503).") var deadline: Double = 30
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may stay silent while sending a request or between requests.") var idleTimeout: Double = 10

    func validate() throws {
        try OptionChecks.check("port", port, in: 0...65535)
        try OptionChecks.check("workers", workers, in: OptionChecks.workers)
        try OptionChecks.check("threads", threads, in: OptionChecks.workers)
        try OptionChecks.check("max-inflight", maxInflight, in: 1...100_000)
        try OptionChecks.check("max-body", maxBody, in: 1...(1 << 30))
        try OptionChecks.check("max-pixels", maxPixels, in: OptionChecks.maxPixels)
        for (name, value) in [("deadline", deadline), ("idle-timeout", idleTimeout)] where !(value.isFinite && value > 0 && value <= 86_400) {
            throw ValidationError("--\(name) \(value) is outside (0, 86400] seconds")
        }
        if modelOptions.layer != nil { throw ValidationError("--layer is per request in cam serve: POST /v1/explain?layer=NAME") }
    }

    func run() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var limits = ServiceLimits()
        limits.workers = workers ?? cores
        limits.threadsPerWorker = max(1, min(threads, cores / max(limits.workers, 1)))
        limits.maxInflight = max(maxInflight, 1)
        limits.maxBodyBytes = maxBody
        limits.maxPixels = maxPixels
        limits.deadlineSeconds = deadline
        limits.idleTimeoutSeconds = idleTimeout
        let classifier = try modelOptions.load(threads: limits.threadsPerWorker)
        let model: ServiceModel
        do { model = try ServiceModel(classifier: classifier, limits: limits) } catch {
            Console.error("cam: \(modelOptions.path): \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let service = ExplanationService(model: model, limits: limits)
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let host = self.host, port = self.port, workerCount = limits.workers
        let name = classifier.config.name ?? modelOptions.path
        // The command is synchronous (ArgumentParser's run); the server runs on Swift's
        // concurrency pool while this thread waits for it to drain and return.
        Task.detached {
            do {
                try await service.run(host: host, port: port) { address in
                    Console.error("cam serve: listening on http://\(address) (\(workerCount) workers, model \(name))")
                }
            } catch { failure.set("\(error)") }
            done.signal()
        }
        done.wait()
        if let message = failure.message {
            Console.error("cam serve: \(message)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}

/// The server task's error, handed to the waiting thread.
private final class FailureBox: @unchecked Sendable {  // written once before the semaphore, read after
    var message: String?
    func set(_ m: String) { message = m }
}
