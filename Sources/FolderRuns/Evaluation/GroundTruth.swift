import CAMKit
import Foundation

/// Ground-truth boxes for `cam eval`, by photo file name. A line or file that cannot be read is
/// kept as a problem of its own, so the rest of the set is still evaluated.
public struct GroundTruth: Sendable {
    /// One labelled box, [x0, y0, x1, y1] inclusive, 0-based photo pixels.
    public struct Object: Sendable, Equatable {
        public var box: Box
        public var label: String
        /// Where it was read: `boxes.csv:3` or `voc/x.xml`.
        public var source: String
    }

    /// An annotation that could not be used: its photo when known, and why.
    public struct Problem: Sendable, Equatable {
        public var file: String?
        public var message: String
    }

    /// File name (as written in the source) → its objects, in source order.
    public var objects: [String: [Object]] = [:]
    /// File names in the order first seen.
    public var files: [String] = []
    public var problems: [Problem] = []

    /// Reads a CSV file (`file,x0,y0,x1,y1,label`, inclusive pixel coordinates) or a folder of
    /// Pascal VOC XML annotations. Throws only when the source as a whole is unusable.
    public static func load(_ path: String) throws(CAMError) -> GroundTruth {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .badGroundTruth(path: path, detail: "no such file or folder")
        }
        if isDir.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw .badGroundTruth(path: path, detail: "cannot list the folder")
            }
            var truth = GroundTruth()
            for name in names.sorted() where name.lowercased().hasSuffix(".xml") {
                let file = path + "/" + name
                do {
                    let (photo, objects) = try parseVOC(try text(file), path: file)
                    truth.add(photo, objects)
                } catch {
                    truth.problems.append(Problem(file: nil, message: error.description))
                }
            }
            if truth.files.isEmpty && truth.problems.isEmpty { throw .badGroundTruth(path: path, detail: "no .xml annotations") }
            return truth
        }
        return try parseCSV(try text(path), path: path)
    }

    static func text(_ path: String) throws(CAMError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badGroundTruth(path: path, detail: "unreadable") }
        guard let text = String(data: data, encoding: .utf8) else { throw .badGroundTruth(path: path, detail: "not UTF-8 text") }
        return text
    }

    mutating func add(_ file: String, _ new: [Object]) {
        if objects[file] == nil { files.append(file) }
        objects[file, default: []] += new
    }

    /// CSV with a header naming the columns file, x0, y0, x1, y1, label (any order). A bad line
    /// becomes a problem of its photo (or of the line, when even the file name is missing).
    public static func parseCSV(_ text: String, path: String) throws(CAMError) -> GroundTruth {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init).enumerated()
            .filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw .badGroundTruth(path: path, detail: "empty") }
        let header = splitCSV(lines.removeFirst().element).map { $0.lowercased() }
        var column: [String: Int] = [:]
        for name in ["file", "x0", "y0", "x1", "y1", "label"] {
            guard let i = header.firstIndex(of: name) else { throw .badGroundTruth(path: path, detail: "header lacks '\(name)' (expected file,x0,y0,x1,y1,label)") }
            column[name] = i
        }
        var truth = GroundTruth()
        for (n, line) in lines {
            let fields = splitCSV(line)
            let source = "\(path):\(n + 1)"
            let file = fields.count > column["file"]! ? fields[column["file"]!] : ""
            guard fields.count == header.count else {
                truth.problems.append(Problem(file: file.isEmpty ? nil : file, message: "\(source): \(fields.count) fields, expected \(header.count)"))
                continue
            }
            guard let coords = Box(["x0", "y0", "x1", "y1"].compactMap { Int(fields[column[$0]!]) }),
                  coords.x0 <= coords.x1, coords.y0 <= coords.y1, coords.x0 >= 0, coords.y0 >= 0 else {
                truth.problems.append(Problem(file: file, message: "\(source): box is not four integers with 0 ≤ x0 ≤ x1, 0 ≤ y0 ≤ y1"))
                continue
            }
            let label = fields[column["label"]!]
            guard !file.isEmpty, !label.isEmpty else {
                truth.problems.append(Problem(file: file.isEmpty ? nil : file, message: "\(source): empty file name or label"))
                continue
            }
            truth.add(file, [Object(box: coords, label: label, source: source)])
        }
        return truth
    }

    /// Splits one CSV line, honouring double-quoted fields; fields are trimmed.
    static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = Array(line)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" { if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false } } else { current.append(ch) }
            } else if ch == "\"" { quoted = true } else if ch == "," { fields.append(current); current = "" } else { current.append(ch) }
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The few elements of a VOC annotation that matter here (filename, object/name,
    /// object/bndbox) — read by hand rather than through FoundationXML, which would add libxml2
    /// to the binary's dependencies for five tags. VOC pixel coordinates are 1-based inclusive
    /// (a 0, which some tools write, is taken as the first pixel).
    public static func parseVOC(_ text: String, path: String) throws(CAMError) -> (String, [Object]) {
        guard let file = element("filename", in: text[...]), !file.isEmpty else { throw .badGroundTruth(path: path, detail: "no <filename>") }
        var objects: [Object] = []
        var rest = text[...]
        while let open = rest.range(of: "<object>") {
            guard let close = rest.range(of: "</object>", range: open.upperBound..<rest.endIndex) else {
                throw .badGroundTruth(path: path, detail: "an <object> is not closed (file cut short?)")
            }
            let body = rest[open.upperBound..<close.lowerBound]
            guard let name = element("name", in: body), !name.isEmpty, let bbox = element("bndbox", in: body) else {
                throw .badGroundTruth(path: path, detail: "an <object> lacks <name> or <bndbox>")
            }
            // Coordinates may be written as decimals; anything beyond a billion pixels is not a photo's.
            let values = ["xmin", "ymin", "xmax", "ymax"].compactMap { element($0, in: bbox[...]).flatMap { Double($0) } }
                .filter { $0.isFinite && abs($0) < 1e9 }
            guard values.count == 4 else { throw .badGroundTruth(path: path, detail: "<bndbox> of '\(name)' lacks a pixel coordinate in xmin/ymin/xmax/ymax") }
            let corners = values.map { max(Int($0.rounded()) - 1, 0) }
            let box = Box(x0: corners[0], y0: corners[1], x1: corners[2], y1: corners[3])
            guard box.x0 <= box.x1, box.y0 <= box.y1 else { throw .badGroundTruth(path: path, detail: "<bndbox> of '\(name)' has xmin > xmax or ymin > ymax") }
            objects.append(Object(box: box, label: name, source: path))
            rest = rest[close.upperBound...]
        }
        guard !objects.isEmpty else { throw .badGroundTruth(path: path, detail: "no <object> for \(file)") }
        return (file, objects)
    }

    static func element(_ tag: String, in text: Substring) -> String? {
        guard let open = text.range(of: "<\(tag)>"), let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) else { return nil }
        return text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
