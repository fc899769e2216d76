/// The image formats camkit decodes, recognised by their magic bytes, never by file extension.
public enum ImageFormat: String, Sendable {
    case png
    case jpeg

    /// Identifies the format from the first bytes, or `nil` for anything else.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .png
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return .jpeg
        }
        return nil
    }

    /// A short human description of unrecognised leading bytes, for error messages.
    public static func describeUnknown(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "empty file" }
        let head = bytes.prefix(8)
        let printable = head.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        let hex = head.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
        return printable ? "starts with text bytes \(hex)" : "starts with bytes \(hex)"
    }
}
