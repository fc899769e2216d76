#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for large buffers filled right after they are allocated: a model's
/// file bytes, its decoded weights, their aligned and packed copies, a plan's buffers. Each 4 KiB
/// page of fresh memory costs a page fault on first touch; a cold `cam model` took ~16,000 of
/// them (2–4 µs each on the development VMs, half its time), nearly all in these buffers, and a
/// 2 MiB page takes one fault for 512 of them (measured: BENCHMARKS.md). Only whole 2 MiB pages
/// inside the buffer are advised, so no memory outside it is committed; the advice is a hint
/// (systems with transparent huge pages off ignore it).
public enum HugePages {
    static let size = 2 << 20
    /// CAMKIT_HUGE_PAGES=0 turns the advice off (side-by-side measurements; systems where huge
    /// page faults stall on memory compaction).
    static let enabled = getenv("CAMKIT_HUGE_PAGES").map { String(cString: $0) != "0" } ?? true

    /// Advises huge pages for the 2 MiB-aligned pages that lie wholly inside the buffer.
    public static func advise(_ start: UnsafeMutableRawPointer?, byteCount: Int) {
        guard enabled, let start, byteCount >= size else { return }
        let first = (Int(bitPattern: start) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: start) + byteCount) & ~(size - 1)
        guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(aligned, end - first, MADV_HUGEPAGE)
    }

    /// Huge pages for the next `bytes` of the main heap, where glibc's malloc carves a model's
    /// file bytes, weights and copies (below the mmap threshold `cam` sets) in pieces mostly
    /// smaller than 2 MiB, which per-buffer advice cannot cover. Call after setting glibc's
    /// M_TOP_PAD to at least `bytes`: one allocation then extends the heap by that much (address
    /// space only: nothing is committed until touched) and the extension is advised — what
    /// glibc's own `glibc.malloc.hugetlb=1` tunable does, which only the environment can set.
    public static func adviseHeap(growingBy bytes: Int) {
        guard enabled, let probe = malloc(1 << 20) else { return }
        defer { free(probe) }
        guard let end = sbrk(0), Int(bitPattern: end) != -1 else { return }
        let start = Int(bitPattern: probe)
        guard start < Int(bitPattern: end), Int(bitPattern: end) - start <= bytes + (2 << 20) else { return }
        advise(probe, byteCount: Int(bitPattern: end) - start)
    }
}
