import CISAL

/// Writes 8-bit PNG files with ISA-L's igzip as the deflater: the rows are filtered here, igzip
/// makes the zlib stream, and the container (signature, IHDR, tEXt, IDAT, IEND and their CRCs)
/// is written around it. Hand-written because libpng can only deflate through zlib, which is
/// several times slower at its fastest level; libpng stays the decoder, and the tests decode
/// every file written here with libpng and Pillow back to the exact pixels.
enum IgzipPNG {
    /// The PNG bytes of 8-bit samples with `channels` per pixel (1 gray, 3 RGB, 4 RGBA).
    static func encode(samples: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, level: Int,
                       filter: PNGEncoder.Filter, texts: [(String, String)], path: String) throws(ImageError) -> [UInt8] {
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw .encodeFailed(path: path, detail: "image size \(width)x\(height) cannot be a PNG")
        }
        var filtered = filterRows(samples.bindMemory(to: UInt8.self), width: width, height: height, channels: channels, filter: filter)
        let stream = try deflate(&filtered, level: level, path: path)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out.reserveCapacity(stream.count + 1024)
        let colorType: UInt8 = channels == 1 ? 0 : channels == 3 ? 2 : 6
        appendChunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, colorType, 0, 0, 0], to: &out)
        for (key, text) in texts {
            // tEXt is Latin-1: keep the printable ASCII of the text, drop the rest.
            appendChunk("tEXt", Array(key.utf8) + [0] + text.utf8.filter { $0 >= 0x20 && $0 < 0x7F }, to: &out)
        }
        // IDAT in 1 MiB chunks, as a decoder reading in pieces expects.
        var at = 0
        repeat {
            let end = min(at + (1 << 20), stream.count)
            appendChunk("IDAT", stream[at..<end], to: &out)
            at = end
        } while at < stream.count
        appendChunk("IEND", [], to: &out)
        return out
    }

    /// Each row prefixed with its filter type byte and filtered (PNG specification, section 9).
    static func filterRows(_ px: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int,
                           filter: PNGEncoder.Filter) -> [UInt8] {
        let stride = width * channels
        // Every byte is written below (a type byte and `stride` bytes per row): no zeroing pass.
        return [UInt8](unsafeUninitializedCapacity: (stride + 1) * height) { dst, initialized in
            initialized = dst.count
            guard let src = px.baseAddress, let base = dst.baseAddress else { return }
            for y in 0..<height {
                let row = src + y * stride, prev = src + (y - 1) * stride
                let o = base + y * (stride + 1)
                switch filter {
                case .sub:
                    o[0] = 1
                    for i in 0..<min(channels, stride) { o[1 + i] = row[i] }
                    if stride > channels { for i in channels..<stride { o[1 + i] = row[i] &- row[i - channels] } }
                case .up where y > 0:
                    o[0] = 2
                    for i in 0..<stride { o[1 + i] = row[i] &- prev[i] }
                default:
                    // None (the first row of Up is Up against zeros: the same bytes, typed None).
                    o[0] = 0
                    (o + 1).update(from: row, count: stride)
                }
            }
        }
    }

    /// A zlib stream of `data` in one stateless igzip call: level 1 is ISA-L's level 0 with
    /// `overlayCode`, levels 2 and 3 ISA-L's level 3. ISA-L's own levels 1 and 2 are not used:
    /// their match finder (igzip_icf_body_h1_gr_bt.asm, ISA-L 2.30 and its current source)
    /// hashes the input's third byte from a register that still holds the address of the
    /// stream structure, so the bytes it writes depend on where that structure lies in memory
    /// (found when one overlay in a few thousand came out 4 bytes longer than the same overlay
    /// from another process: a C probe moving the structure 64 KiB at a time gave 2 to 5 other
    /// outputs in 20,000 places). Levels 0 and 3 gave one output in every place.
    /// `state` places the compressor's structure (ISAL's 82 KB `isal_zstream`) for the test
    /// that moves it; by default it lies on the stack.
    static func deflate(_ data: inout [UInt8], level: Int, path: String,
                        state: UnsafeMutablePointer<isal_zstream>? = nil) throws(ImageError) -> [UInt8] {
        let fast = level <= 1
        var scratch = [UInt8](repeating: 0, count: fast ? 0 : Int(CISAL_LVL3_BUF_SIZE))
        var capacity = data.count + data.count / 16 + 1024
        while true {
            var rc: Int32 = 0
            // igzip writes the stream's bytes; only those count as initialised (no zeroing pass
            // over the capacity, no copy of the written prefix).
            let out = [UInt8](unsafeUninitializedCapacity: capacity) { outBuf, initialized in
                (rc, initialized) = data.withUnsafeMutableBufferPointer { inBuf in
                    scratch.withUnsafeMutableBufferPointer { lvl in
                        func call(_ stream: UnsafeMutablePointer<isal_zstream>) -> (Int32, Int) {
                            stream.initialize(to: isal_zstream())
                            isal_deflate_stateless_init(stream)
                            stream.pointee.next_in = inBuf.baseAddress
                            stream.pointee.avail_in = UInt32(inBuf.count)
                            stream.pointee.next_out = outBuf.baseAddress
                            stream.pointee.avail_out = UInt32(outBuf.count)
                            if fast {
                                stream.pointee.level = 0
                                stream.pointee.hufftables = overlayCode.tables
                            } else {
                                stream.pointee.level = 3
                                stream.pointee.level_buf = lvl.baseAddress
                                stream.pointee.level_buf_size = UInt32(lvl.count)
                            }
                            stream.pointee.gzip_flag = UInt16(IGZIP_ZLIB)
                            stream.pointee.end_of_stream = 1
                            stream.pointee.flush = UInt16(NO_FLUSH)
                            return (isal_deflate_stateless(stream), Int(stream.pointee.total_out))
                        }
                        if let state { return call(state) }
                        return withUnsafeTemporaryAllocation(of: isal_zstream.self, capacity: 1) { call($0.baseAddress!) }
                    }
                }
            }
            if rc == COMP_OK { return out }
            if rc != STATELESS_OVERFLOW || capacity > Int(UInt32.max) / 2 {
                throw .encodeFailed(path: path, detail: "igzip deflate failed (\(rc))")
            }
            capacity *= 2
        }
    }

    /// The Huffman code of the fast level, made once per process from the symbol histogram of
    /// camkit's own overlays (Sources/CISAL/overlay_histogram.h, from
    /// Scripts/fixtures/make_overlay_huffman). ISA-L's level 0 with its default code wrote
    /// overlays 25-30 % larger than its level 1; with this one, 1-8 % larger, as fast.
    static let overlayCode = HuffmanCode()

    /// An ISA-L Huffman code, written once before it is shared and only read afterwards.
    final class HuffmanCode: @unchecked Sendable {
        let tables = UnsafeMutablePointer<isal_hufftables>.allocate(capacity: 1)
        init() {
            let rc = camkit_overlay_hufftables(tables)
            precondition(rc == 0, "ISA-L refused the overlay histogram's Huffman code (\(rc))")
        }
    }

    static func appendChunk<C: Collection>(_ type: String, _ data: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out += bigEndian(UInt32(data.count))
        let start = out.count
        out += Array(type.utf8)
        out += data
        let crc = out.withUnsafeBufferPointer { crc32_gzip_refl(0, $0.baseAddress! + start, UInt64($0.count - start)) }
        out += bigEndian(crc)
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}
