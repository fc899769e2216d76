import Dispatch

/// A file's SHA-256 computed on another thread while the caller goes on: the model's digest
/// (for the manifest and the overlay settings) took ~20 ms of a cold start on the 18.5 MB
/// shipped model, in series with parsing and packing it; on a second core it is off that path.
/// `hex` waits for the result the first time it is read.
final class PendingDigest: @unchecked Sendable {
    private let finished = DispatchGroup()
    /// Written once on the hashing thread before `finished` is left; read only after waiting on it.
    private var digest = ""

    init(of bytes: [UInt8]) {
        finished.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            digest = SHA256.hex(of: bytes)
            finished.leave()
        }
    }

    var hex: String {
        finished.wait()
        return digest
    }
}
