extension UnsafeMutablePointer where Pointee == Float {
    /// Zeroed floats on a 64-byte (cache-line, AVX-512 register) boundary: the vector kernels
    /// load whole lines, and a split line costs them a second load.
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        HugePages.advise(raw, byteCount: n * MemoryLayout<Float>.stride)
        let p = raw.bindMemory(to: Float.self, capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    /// Floats on a 64-byte boundary holding a copy of `source` (no zeroing pass first).
    static func allocateAligned(copying source: UnsafeBufferPointer<Float>) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(source.count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        HugePages.advise(raw, byteCount: n * MemoryLayout<Float>.stride)
        let p = raw.bindMemory(to: Float.self, capacity: n)
        if let base = source.baseAddress { p.initialize(from: base, count: source.count) }
        if source.count < n { (p + source.count).initialize(repeating: 0, count: n - source.count) }
        return p
    }
}
