/// Float constants copied once into stable memory, shared read-only by every plan of a model
/// (and so by every worker thread), so a new input shape costs no weight copies.
public final class WeightStore: @unchecked Sendable {
    struct Entry {
        let pointer: UnsafeMutablePointer<Float>
        let shape: [Int]
    }
    private(set) var entries: [String: Entry] = [:]

    /// Copies the named float constants of the graph.
    public init(constants: [String: ConstantValue], names: Set<String>) {
        for (name, value) in constants where names.contains(name) {
            guard case .float(let t) = value else { continue }
            let p = t.data.withUnsafeBufferPointer { UnsafeMutablePointer<Float>.allocateAligned(copying: $0) }
            entries[name] = Entry(pointer: p, shape: t.shape)
        }
    }

    func pointer(_ name: String) -> UnsafeMutablePointer<Float>? { entries[name]?.pointer }

    /// Names and shapes of the stored weights.
    var shapes: [String: [Int]] { entries.mapValues(\.shape) }

    deinit {
        for entry in entries.values { entry.pointer.deallocate() }
    }
}
