import CDNNLShim
import Synchronization

/// Convolution weights packed for oneDNN, once per model: every plan of an engine (each worker's,
/// each input size's) shares them. Thread-safe; the packed copies live as long as the engine.
final class PackedWeights: Sendable {
    /// Addresses rather than pointers, so the table is Sendable: the memory is only written
    /// while the lock is held, before its address is handed out, and read-only afterwards.
    private struct Entry: Sendable {
        /// How the weights were packed (oneDNN's layout records), compared by oneDNN.
        let packing: [UInt8]
        let packed: UInt
    }
    private let table = Mutex<[UInt: [Entry]]>([:])

    /// The packed copy of `weights` in the layout `conv` wants, packed on first request, and
    /// bound to `conv` while the lock is held (binding writes a padded layout's padding, so two
    /// plans must not bind the shared copy at once); nil if packing fails.
    func packed(_ weights: UnsafePointer<Float>, for conv: OpaquePointer) -> UnsafeMutablePointer<Float>? {
        let key = UInt(bitPattern: weights)
        let conv = UInt(bitPattern: Int(bitPattern: conv))
        let address = table.withLock { t -> UInt? in
            let handle = OpaquePointer(bitPattern: conv)!
            if let hit = t[key]?.first(where: { e in
                e.packing.withUnsafeBytes { camkit_dnnl_conv_has_packing(handle, $0.baseAddress) != 0 }
            }) {
                return camkit_dnnl_op_bind(handle, 1, UnsafeRawPointer(bitPattern: hit.packed)) == 0 ? hit.packed : nil
            }
            let count = max(camkit_dnnl_conv_packed_weight_count(handle), 1)
            let p = UnsafeMutablePointer<Float>.allocateAligned(count)
            guard camkit_dnnl_conv_pack_weights(handle, UnsafePointer(bitPattern: key)!, p) == 0 else { p.deallocate(); return nil }
            var packing = [UInt8](repeating: 0, count: camkit_dnnl_packing_size())
            packing.withUnsafeMutableBytes { camkit_dnnl_conv_packing(handle, $0.baseAddress) }
            t[key, default: []].append(Entry(packing: packing, packed: UInt(bitPattern: p)))
            return camkit_dnnl_op_bind(handle, 1, p) == 0 ? UInt(bitPattern: p) : nil
        }
        return address.flatMap { UnsafeMutablePointer(bitPattern: $0) }
    }

    deinit {
        table.withLock { t in
            for entries in t.values { for e in entries { UnsafeMutablePointer<Float>(bitPattern: e.packed)?.deallocate() } }
        }
    }
}

extension PackedWeights {
    /// `weights` packed for the convolution primitive `conv` (forward or backward-data): the
    /// shared copy when there is a cache, else a copy the caller owns (`owned`); nil if packing
    /// fails.
    static func pack(_ weights: UnsafePointer<Float>, for conv: OpaquePointer, cache: PackedWeights?)
        -> (pointer: UnsafeMutablePointer<Float>, owned: Bool)? {
        if let cache { return cache.packed(weights, for: conv).map { ($0, false) } }
        let p = UnsafeMutablePointer<Float>.allocateAligned(max(camkit_dnnl_conv_packed_weight_count(conv), 1))
        guard camkit_dnnl_conv_pack_weights(conv, weights, p) == 0 else {
            p.deallocate()
            return nil
        }
        return (p, true)
    }
}
