import CAMKit
import ImageIO
/// File names for outputs: `<input name with extension>.<class index>-<label slug>.cam.png` (the
/// last extension follows `--format`), raw maps `.cam.npy` and the folder viewer's `<input>.cam.js`,
/// in a folder tree mirroring the input's. Keeping the
/// input's extension means `a.jpg` and `a.png` never collide.
public enum OutputNames {
    /// The end of an overlay's name in a format.
    public static func overlaySuffix(_ format: OverlayFormat) -> String { ".cam." + format.rawValue }

    /// Whether a file name is one of camkit's own outputs (an overlay in any format or a raw
    /// map): inputs named so are skipped.
    public static func isOwnOutput(_ name: String) -> Bool {
        OverlayFormat.allCases.contains { name.hasSuffix(overlaySuffix($0)) } || name.hasSuffix(".cam.npy") || name.hasSuffix(".cam.js")
    }

    public static func slug(_ label: String) -> String {
        var out = ""
        for ch in label.lowercased() {
            if ch.isLetter || ch.isNumber { out.append(ch) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return String(out.prefix(40))
    }

    public static func overlay(relative: String, index: Int, label: String, format: OverlayFormat = .png) -> String {
        "\(relative).\(index)-\(slug(label))" + overlaySuffix(format)
    }

    /// The folder viewer's data for one photo: its bytes, geometry and maps, as a script.
    public static func viewerData(relative: String) -> String {
        "\(relative).cam.js"
    }

    public static func raw(relative: String, index: Int, label: String) -> String {
        "\(relative).\(index)-\(slug(label)).cam.npy"
    }
}
