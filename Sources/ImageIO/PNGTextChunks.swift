/// Reads the uncompressed tEXt chunks of a PNG file. Written by hand (a walk over the chunk
/// headers) because libpng would decode the whole image to reach them, and camkit only needs
/// the "Comment" it wrote itself. Chunk CRCs are not checked here: a full decode does that.
public enum PNGTextChunks {
    /// The text of the first tEXt chunk with `key`, or nil when there is none or the file is not
    /// a well-formed sequence of PNG chunks up to it.
    public static func value(of key: String, in bytes: [UInt8]) -> String? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { return nil }
        let wanted = Array(key.utf8) + [0]
        var at = 8
        while at + 12 <= bytes.count {
            let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            let start = at + 8
            guard length <= bytes.count - start - 4 else { return nil }
            if type == "tEXt", length > wanted.count, Array(bytes[start..<(start + wanted.count)]) == wanted {
                return String(decoding: bytes[(start + wanted.count)..<(start + length)], as: UTF8.self)
            }
            if type == "IDAT" || type == "IEND" { return nil }
            at = start + length + 4
        }
        return nil
    }
}
