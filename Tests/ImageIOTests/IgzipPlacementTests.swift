import CISAL
import Glibc
@testable import ImageIO
import Testing

/// The fast PNG level writes the same bytes wherever the compressor's structure lies in memory.
/// ISA-L's level 1 does not: its match finder hashes the input's third byte from a register
/// holding the structure's address, crc32c(address >> 16) & 8191, and when that slot is the
/// second byte's, a match back to it is lost. The test places the structure at such an address
/// and at another, and checks both: camkit's level the same bytes, ISA-L's level 1 not.
@Suite("igzip: bytes independent of memory placement")
struct IgzipPlacementTests {
    /// CRC-32C of a 32-bit value as the SSE4.2 crc32 instruction computes it (initial 0, no
    /// final inversion): what ISA-L's `compute_hash` does.
    static func crc32c(_ value: UInt32) -> UInt32 {
        var crc: UInt32 = 0
        for byte in 0..<4 {
            crc ^= (value >> (8 * UInt32(byte))) & 0xFF
            for _ in 0..<8 { crc = (crc >> 1) ^ (0x82F6_3B78 & (0 &- (crc & 1))) }
        }
        return crc
    }

    /// Up-filtered rows of an overlay-like image: the first row repeats a 4-pixel pattern, so
    /// position 13 repeats positions 1...12 and a compressor finds a match 12 back.
    static func rows() -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<120 {
            for x in 0..<160 {
                let v = y == 0 ? UInt8(x % 4 * 40 + 11) : UInt8((x * 7 + y * 3) % 251)
                pixels += [v, v &+ 5, v &+ 9]
            }
        }
        return pixels.withUnsafeBytes { IgzipPNG.filterRows($0.bindMemory(to: UInt8.self), width: 160, height: 120, channels: 3, filter: .up) }
    }

    /// 64 KiB-aligned addresses in a reserved range, the first whose hash is `slot` and the
    /// first whose hash is not.
    static func placements(slot: UInt32, in base: UnsafeMutableRawPointer, size: Int) -> (hit: UnsafeMutableRawPointer?, miss: UnsafeMutableRawPointer?) {
        var hit: UnsafeMutableRawPointer?, miss: UnsafeMutableRawPointer?
        let first = (UInt(bitPattern: base) + 0xFFFF) & ~UInt(0xFFFF)
        for address in stride(from: first, to: UInt(bitPattern: base) + UInt(size) - (1 << 18), by: 1 << 16) {
            let hash = crc32c(UInt32(truncatingIfNeeded: address >> 16)) & 8191
            if hash == slot, hit == nil { hit = UnsafeMutableRawPointer(bitPattern: address) }
            if hash != slot, miss == nil { miss = UnsafeMutableRawPointer(bitPattern: address) }
            if hit != nil, miss != nil { break }
        }
        return (hit, miss)
    }

    /// ISA-L's level 1 on `data` with its structure at `place`.
    static func isalLevel1(_ data: [UInt8], at place: UnsafeMutableRawPointer) -> [UInt8] {
        var input = data
        var levelBuffer = [UInt8](repeating: 0, count: Int(CISAL_LVL1_BUF_SIZE))
        var out = [UInt8](repeating: 0, count: data.count * 2 + 1024)
        let stream = place.bindMemory(to: isal_zstream.self, capacity: 1)
        stream.initialize(to: isal_zstream())
        isal_deflate_stateless_init(stream)
        let written = input.withUnsafeMutableBufferPointer { i in
            levelBuffer.withUnsafeMutableBufferPointer { l in
                out.withUnsafeMutableBufferPointer { o in
                    stream.pointee.next_in = i.baseAddress
                    stream.pointee.avail_in = UInt32(i.count)
                    stream.pointee.next_out = o.baseAddress
                    stream.pointee.avail_out = UInt32(o.count)
                    stream.pointee.level = 1
                    stream.pointee.level_buf = l.baseAddress
                    stream.pointee.level_buf_size = UInt32(l.count)
                    stream.pointee.gzip_flag = UInt16(IGZIP_ZLIB)
                    stream.pointee.end_of_stream = 1
                    _ = isal_deflate_stateless(stream)
                    return Int(stream.pointee.total_out)
                }
            }
        }
        return Array(out[0..<written])
    }

    @Test func fastLevelIgnoresWhereItsStateLies() throws {
        var data = Self.rows()
        let second = data[1...4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        let slot = Self.crc32c(second) & 8191
        // 65,536 places 64 KiB apart (4 GiB of address space, reserved, not committed): the
        // 8,192 slots are not all reached by a shorter run of consecutive addresses.
        let size = 1 << 32
        let reserved = try #require(mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0))
        try #require(reserved != MAP_FAILED)
        defer { munmap(reserved, size) }
        let (hit, miss) = Self.placements(slot: slot, in: reserved, size: size)
        let bad = try #require(hit, "no address in the range hashes to the slot"), good = try #require(miss)
        for place in [bad, good] { try #require(mprotect(place, 1 << 18, PROT_READ | PROT_WRITE) == 0) }

        // The control: ISA-L's level 1 writes other bytes at the address that hashes to the slot
        // (if this fails, ISA-L no longer reads the register and its level 1 could come back).
        let isalBad = Self.isalLevel1(data, at: bad), isalGood = Self.isalLevel1(data, at: good)
        #expect(isalBad != isalGood, "ISA-L's level 1 wrote the same bytes at both addresses")

        // camkit's fast level: the same bytes at both, and on the stack.
        let atBad = try IgzipPNG.deflate(&data, level: 1, path: "t", state: bad.bindMemory(to: isal_zstream.self, capacity: 1))
        let atGood = try IgzipPNG.deflate(&data, level: 1, path: "t", state: good.bindMemory(to: isal_zstream.self, capacity: 1))
        let onStack = try IgzipPNG.deflate(&data, level: 1, path: "t")
        #expect(atBad == atGood && atGood == onStack)
        // And level 3 (what 2 and 3 run).
        let slowBad = try IgzipPNG.deflate(&data, level: 3, path: "t", state: bad.bindMemory(to: isal_zstream.self, capacity: 1))
        let slowGood = try IgzipPNG.deflate(&data, level: 3, path: "t", state: good.bindMemory(to: isal_zstream.self, capacity: 1))
        #expect(slowBad == slowGood)
    }
}
