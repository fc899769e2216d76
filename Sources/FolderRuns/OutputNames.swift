import CAMKit
/// File names for outputs: `<input name with extension>.<class index>-<label slug>.cam.png`, in a
/// folder tree mirroring the input's. Keeping the input's extension means `a.jpg` and `a.png`
/// never collide.
public enum OutputNames {
    /// The end of every overlay name; inputs ending so are camkit's own outputs and are skipped.
    public static let overlaySuffix = ".cam.png"

    public static func slug(_ label: String) -> String {
        var out = ""
        for ch in label.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(40))
    }

    public static func overlay(relative: String, index: Int, label: String) -> String {
        "\(relative).\(index)-\(slug(label))" + overlaySuffix
    }

    public static func raw(relative: String, index: Int, label: String) -> String {
        "\(relative).\(index)-\(slug(label)).cam.npy"
    }
}
