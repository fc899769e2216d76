import CAMKit
/// Text from the file system (names, errors quoting them) made safe to show on one line:
/// control characters — a newline that would split a message and forge a `cam:` line, an
/// escape sequence for the terminal — are written as visible escapes (`\n`, `\u{1B}`).
/// Used for stderr messages, CSV fields and the gallery's HTML; JSON has escapes of its own.
public enum DisplayText {
    /// `text` with every control character (C0, DEL, C1) and backslash-escaped.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }
}
