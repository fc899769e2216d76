/// What one `cam serve` process accepts: each limit is a flag and each has a test.
public struct ServiceLimits: Sendable {
    /// Bytes of a request body; a longer one is refused (413) from its Content-Length before
    /// any of it is read, or as soon as it passes the limit when it is sent chunked.
    public var maxBodyBytes = 32 << 20
    /// Pixels of a photo, read from its header before decoding (413 past it).
    public var maxPixels = 40_000_000
    /// Photos explained at once (each worker owns its plans).
    public var workers = 1
    /// Explain and classify requests running or waiting for a worker; one more gets 503 with
    /// Retry-After at once.
    public var maxInflight = 16
    /// Threads per worker's forward pass.
    public var threadsPerWorker = 1
    /// Seconds a request may wait for a worker; one that waited longer gets 503.
    public var deadlineSeconds = 30.0
    /// Seconds a connection may stay silent while sending its request or between requests
    /// (slow clients, slowloris); then it is closed.
    public var idleTimeoutSeconds = 10.0
    /// Seconds in-flight requests get to finish after SIGTERM before the process exits.
    public var drainSeconds = 30.0

    public init() {}
}
