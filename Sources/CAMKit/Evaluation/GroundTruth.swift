import Foundation

/// Ground-truth boxes for `cam eval`, by photo file name.
public struct GroundTruth: Sendable {
    /// One labelled box, [x0, y0, x1, y1] inclusive, 0-based photo pixels.
    public struct Object: Sendable, Equatable {
        public var box: [Int]
        public var label: String
    }

    /// File name (as written in the source) → its objects, in source order.
    public var objects: [String: [Object]]
    /// File names in the order first seen.
    public var files: [String]

    /// Reads a CSV file (`file,x0,y0,x1,y1,label`, inclusive pixel coordinates) or a folder of
    /// Pascal VOC XML annotations.
    public static func load(_ path: String) throws(CAMError) -> GroundTruth {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .badGroundTruth(path: path, detail: "no such file or folder")
        }
        if isDir.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw .badGroundTruth(path: path, detail: "cannot list the folder")
            }
            var truth = GroundTruth(objects: [:], files: [])
            for name in names.sorted() where name.lowercased().hasSuffix(".xml") {
                let file = path + "/" + name
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw .badGroundTruth(path: file, detail: "unreadable") }
                let (photo, objects) = try parseVOC(text, path: file)
                truth.add(photo, objects)
            }
            if truth.files.isEmpty { throw .badGroundTruth(path: path, detail: "no .xml annotations") }
            return truth
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .badGroundTruth(path: path, detail: "unreadable") }
        return try parseCSV(text, path: path)
    }

    mutating func add(_ file: String, _ new: [Object]) {
        if objects[file] == nil { files.append(file) }
        objects[file, default: []] += new
    }

    /// CSV with a header naming the columns file, x0, y0, x1, y1, label (any order).
    public static func parseCSV(_ text: String, path: String) throws(CAMError) -> GroundTruth {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else { throw .badGroundTruth(path: path, detail: "empty") }
        let header = splitCSV(lines.removeFirst()).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var column: [String: Int] = [:]
        for name in ["file", "x0", "y0", "x1", "y1", "label"] {
            guard let i = header.firstIndex(of: name) else { throw .badGroundTruth(path: path, detail: "header lacks '\(name)' (expected file,x0,y0,x1,y1,label)") }
            column[name] = i
        }
        var truth = GroundTruth(objects: [:], files: [])
        for (n, line) in lines.enumerated() {
            let fields = splitCSV(line)
            guard fields.count == header.count else { throw .badGroundTruth(path: path, detail: "line \(n + 2): \(fields.count) fields, expected \(header.count)") }
            let coords = ["x0", "y0", "x1", "y1"].compactMap { Int(fields[column[$0]!].trimmingCharacters(in: .whitespaces)) }
            guard coords.count == 4, coords[0] <= coords[2], coords[1] <= coords[3], coords.allSatisfy({ $0 >= 0 }) else {
                throw .badGroundTruth(path: path, detail: "line \(n + 2): box is not four integers with x0 ≤ x1, y0 ≤ y1")
            }
            truth.add(fields[column["file"]!], [Object(box: coords, label: fields[column["label"]!])])
        }
        return truth
    }

    /// Splits one CSV line, honouring double-quoted fields.
    static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        var chars = Array(line)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" { if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false } } else { current.append(ch) }
            } else if ch == "\"" { quoted = true } else if ch == "," { fields.append(current); current = "" } else { current.append(ch) }
        }
        fields.append(current)
        return fields
    }

    /// The few elements of a VOC annotation that matter here (filename, object/name,
    /// object/bndbox) — read by hand rather than through FoundationXML, which would add libxml2
    /// to the binary's dependencies for five tags. VOC pixel coordinates are 1-based inclusive.
    public static func parseVOC(_ text: String, path: String) throws(CAMError) -> (String, [Object]) {
        guard let file = element("filename", in: text[...]) else { throw .badGroundTruth(path: path, detail: "no <filename>") }
        var objects: [Object] = []
        var rest = text[...]
        while let open = rest.range(of: "<object>"), let close = rest.range(of: "</object>", range: open.upperBound..<rest.endIndex) {
            let body = rest[open.upperBound..<close.lowerBound]
            guard let name = element("name", in: body), let bbox = element("bndbox", in: body) else {
                throw .badGroundTruth(path: path, detail: "an <object> lacks <name> or <bndbox>")
            }
            let values = ["xmin", "ymin", "xmax", "ymax"].compactMap { element($0, in: bbox[...]).flatMap { Double($0) } }
            guard values.count == 4 else { throw .badGroundTruth(path: path, detail: "<bndbox> of '\(name)' lacks xmin/ymin/xmax/ymax") }
            let box = values.map { Int($0.rounded()) - 1 }
            guard box[0] <= box[2], box[1] <= box[3], box.allSatisfy({ $0 >= 0 }) else { throw .badGroundTruth(path: path, detail: "<bndbox> of '\(name)' is empty") }
            objects.append(Object(box: box, label: name))
            rest = rest[close.upperBound...]
        }
        return (file, objects)
    }

    static func element(_ tag: String, in text: Substring) -> String? {
        guard let open = text.range(of: "<\(tag)>"), let close = text.range(of: "</\(tag)>", range: open.upperBound..<text.endIndex) else { return nil }
        return text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
