import CAMKit
import FileIO
import Foundation
import ImageIO

/// Writes results.jsonl, results.csv, manifest.json and (optionally) index.html, each atomically.
public enum ReportWriter {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// File names of the reports; a shard's carry its `K-of-N` so that shards can share a folder.
    public struct Names: Sendable {
        public let results: String, csv: String, manifest: String, gallery: String
        public init(shard: Shard? = nil) {
            let tag = shard.map { "-\($0)" } ?? ""
            results = "results\(tag).jsonl"
            csv = "results\(tag).csv"
            manifest = "manifest\(tag).json"
            gallery = "index\(tag).html"
        }
    }

    /// Records are written sorted by input path (stable), so that a run's reports do not depend
    /// on the order of its arguments and merged shards equal one process's run.
    public static func writeAll(records: [ResultRecord], folder: OutputFolder, manifest: RunManifest, html: Bool,
                                names: Names = Names()) throws {
        let enc = encoder()
        var lines = ""
        let records = sortedByInput(records)
        for r in records { lines += String(decoding: try enc.encode(r), as: UTF8.self) + "\n" }
        try write(lines, names.results, in: folder)
        try write(csv(records), names.csv, in: folder)
        try write(String(decoding: try RunManifest.encoder.encode(manifest), as: UTF8.self) + "\n", names.manifest, in: folder)
        if html {
            let summary = "\(records.count) photos · \(manifest.model.name) · method \(manifest.method.rawValue) · resize \(manifest.settings.resize.rawValue) · colormap \(manifest.settings.colormap.rawValue)"
            // With each photo's viewer data (--save-raw), index.html is the viewer that draws
            // the overlays itself; else the static gallery of the overlay files.
            let page = records.contains { $0.view != nil }
                ? try FolderViewer.html(records: records, manifest: manifest, summary: summary)
                : Gallery.html(records: records, summary: summary)
            try write(page, names.gallery, in: folder)
        }
    }

    static func sortedByInput(_ records: [ResultRecord]) -> [ResultRecord] {
        records.enumerated().sorted { $0.element.input != $1.element.input ? $0.element.input < $1.element.input : $0.offset < $1.offset }
            .map(\.element)
    }

    static func write(_ text: String, _ name: String, in folder: OutputFolder) throws {
        do { try folder.write(text: text, to: name) } catch { throw PathError(.write, folder.display(name), error) }
    }

    /// A CSV field: control characters escaped (one record per line, nothing for a terminal to
    /// interpret), quoted when it holds a comma or a quote.
    static func csvField(_ raw: String) -> String {
        let s = DisplayText.escaped(raw)
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func csv(_ records: [ResultRecord]) -> String {
        var out = "input,status,top1_index,top1_label,top1_probability,box_x0,box_y0,box_x1,box_y1,overlay,error\n"
        for r in records {
            let p = r.predictions?.first
            let e = r.explained?.first
            let box = e?.box.map { $0.values.map(String.init) } ?? ["", "", "", ""]
            let fields = [r.input, r.status.rawValue, p.map { String($0.index) } ?? "", p?.label ?? "",
                          p.map { String(format: "%.6f", $0.probability) } ?? ""] + box + [e?.overlay ?? "", r.error ?? ""]
            out += fields.map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }
}
