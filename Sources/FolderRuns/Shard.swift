import CAMKit
/// One part of a deterministic partition of the inputs, so that N processes (on N machines) each
/// explain their share: a file belongs to shard hash(relative path) mod N. The hash is FNV-1a
/// over the UTF-8 bytes — written here because it must never change between releases or
/// platforms (Swift's own `Hasher` is seeded per process), and a file's shard must not depend on
/// which other files exist.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws(CAMError) {
        guard count >= 1, (0..<count).contains(index) else { throw .badShard("\(index)/\(count)", reason: "need 0 ≤ K < N") }
        self.index = index
        self.count = count
    }

    /// Environment variables that carry the index of an array task, in the order they are tried.
    public static let indexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]

    /// Parses `K/N` (K counted from 0) or `auto/N`, which takes K from a Slurm job array
    /// (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, so 1-based arrays work) or a Kubernetes
    /// Indexed Job (JOB_COMPLETION_INDEX).
    public static func parse(_ text: String, environment: [String: String]) throws(CAMError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[1]) else { throw .badShard(text, reason: "expected K/N or auto/N") }
        if parts[0] != "auto" {
            guard let k = Int(parts[0]) else { throw .badShard(text, reason: "expected K/N or auto/N") }
            return try Shard(index: k, count: n)
        }
        guard let variable = indexVariables.first(where: { environment[$0] != nil }), let value = environment[variable] else {
            throw .badShard(text, reason: "auto needs \(indexVariables.joined(separator: " or ")) in the environment")
        }
        guard let id = Int(value) else { throw .badShard(text, reason: "\(variable)=\(value) is not an integer") }
        var base = 0
        if variable == "SLURM_ARRAY_TASK_ID", let min = environment["SLURM_ARRAY_TASK_MIN"] {
            guard let m = Int(min) else { throw .badShard(text, reason: "SLURM_ARRAY_TASK_MIN=\(min) is not an integer") }
            base = m
        }
        guard (0..<n).contains(id - base) else {
            let from = base == 0 ? "\(variable)=\(id)" : "\(variable)=\(id) − SLURM_ARRAY_TASK_MIN=\(base)"
            throw .badShard(text, reason: "\(from) is not a shard index 0…\(n - 1)")
        }
        return try Shard(index: id - base, count: n)
    }

    /// Whether the file with this relative path belongs to this shard.
    public func contains(relative path: String) -> Bool {
        Int(Self.fnv1a(path) % UInt64(count)) == index
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// `K-of-N`, as used in the names of a shard's reports.
    public var description: String { "\(index)-of-\(count)" }
}
