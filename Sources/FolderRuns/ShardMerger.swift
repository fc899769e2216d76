import CAMKit
import FileIO
import Foundation
import ImageIO

/// Combines the reports of `cam explain --shard K/N` runs into the reports one process would have
/// written: finds every shard's results and manifest in the given folders, checks that all N
/// shards are there once and agree on model and settings, copies overlays and raw maps from
/// shard folders into the output folder, and writes results.jsonl/.csv, manifest.json (and
/// index.html) with the same writer as a single run.
public struct ShardMerger {
    /// A shard's reports as found on disk.
    struct Found {
        var folder: String
        var shard: Shard
        var manifest: RunManifest
        var records: [ResultRecord]
    }

    public var folders: [String]
    public var output: String

    public init(folders: [String], output: String) {
        self.folders = folders
        self.output = output
    }

    /// What a merge produced.
    public struct Summary: Sendable {
        public var shards: Int
        public var records: Int
        public var copied: Int
        public var failed: Int
    }

    public func merge(html: Bool) throws -> Summary {
        var found: [Found] = []
        for folder in folders { found += try scan(folder) }
        guard let first = found.first else {
            throw CAMError.mergeFailed(path: folders.joined(separator: " "), detail: "no results-K-of-N.jsonl with its manifest-K-of-N.json found")
        }
        for s in found {
            let inputs = s.manifest.inputs
            guard s.records.count == inputs else {
                throw CAMError.mergeFailed(path: s.folder + "/" + ReportWriter.Names(shard: s.shard).results,
                                           detail: "shard \(s.shard) has \(s.records.count) records where its manifest says \(inputs): it looks interrupted — run it again")
            }
        }
        for s in found.dropFirst() {
            let differing = s.manifest.differences(from: found[0].manifest)
            if !differing.isEmpty {
                throw CAMError.mergeFailed(path: s.folder, detail: "shard \(s.shard) differs from shard \(found[0].shard) in \(differing.joined(separator: ", "))")
            }
        }
        let n = first.shard.count
        var byIndex: [Int: Found] = [:]
        for f in found {
            guard f.shard.count == n else {
                throw CAMError.mergeFailed(path: f.folder, detail: "shard \(f.shard) does not belong to a split into \(n)")
            }
            if let other = byIndex[f.shard.index] {
                throw CAMError.mergeFailed(path: f.folder, detail: "shard \(f.shard) also found in \(other.folder)")
            }
            byIndex[f.shard.index] = f
        }
        let absent = (0..<n).filter { byIndex[$0] == nil }
        guard absent.isEmpty else {
            throw CAMError.mergeFailed(path: folders.joined(separator: " "),
                                       detail: "missing shard(s) " + absent.map { "\($0)-of-\(n)" }.joined(separator: ", "))
        }
        let shards = (0..<n).map { byIndex[$0]! }
        // The folder viewer needs every photo's data: shards run with and without
        // `--html --save-raw` would merge into a page missing some photos.
        let viewer = shards.map { s in s.records.filter { $0.status == .ok }.map { $0.view != nil } }
        if viewer.joined().contains(true), let i = viewer.firstIndex(where: { $0.contains(false) }) {
            throw CAMError.mergeFailed(path: shards[i].folder, detail: "shard \(shards[i].shard) has no folder-viewer data (run every shard with --html --save-raw, or none)")
        }
        let folder: OutputFolder
        do { folder = try OutputFolder(output) } catch { throw PathError(.create, output, error) }
        var copied = 0
        for s in shards { copied += try copyOutputs(of: s, into: folder) }
        var manifest = shards[0].manifest
        manifest.shard = nil
        manifest.inputs = shards.reduce(0) { $0 + $1.manifest.inputs }
        manifest.failed = shards.reduce(0) { $0 + $1.manifest.failed }
        manifest.skipped = shards.reduce(0) { $0 + $1.manifest.skipped }
        let records = shards.flatMap(\.records)
        try ReportWriter.writeAll(records: records, folder: folder, manifest: manifest, html: html)
        return Summary(shards: n, records: records.count, copied: copied, failed: manifest.failed)
    }

    func scan(_ folder: String) throws -> [Found] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw CAMError.mergeFailed(path: folder, detail: "cannot list the folder")
        }
        var found: [Found] = []
        for name in names.sorted() where name.hasPrefix("manifest-") && name.hasSuffix(".json") {
            let tag = String(name.dropFirst("manifest-".count).dropLast(".json".count))
            let parts = tag.components(separatedBy: "-of-")
            guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { continue }
            let shard: Shard
            do { shard = try Shard(index: k, count: n) } catch {
                throw CAMError.mergeFailed(path: folder + "/" + name, detail: "\(k)-of-\(n) is not a shard")
            }
            let names = ReportWriter.Names(shard: shard)
            let manifestPath = folder + "/" + names.manifest
            guard let data = FileManager.default.contents(atPath: manifestPath) else {
                throw CAMError.mergeFailed(path: manifestPath, detail: "missing or unreadable")
            }
            let manifest = try RunManifest.parse(data, path: manifestPath)
            let resultsPath = folder + "/" + names.results
            // Read with camkit's own reader: Foundation's file reading leaks a 4 KiB buffer for
            // this file (LeakSanitizer, `Scripts/test --sanitize`).
            guard let bytes = try? FileBytes.read(resultsPath) else {
                throw CAMError.mergeFailed(path: resultsPath, detail: "missing or unreadable")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CAMError.mergeFailed(path: resultsPath, detail: "not UTF-8 text")
            }
            var records: [ResultRecord] = []
            let decoder = JSONDecoder()
            for (i, line) in text.split(separator: "\n").enumerated() {
                do { records.append(try decoder.decode(ResultRecord.self, from: Data(line.utf8))) } catch {
                    let reason: String
                    switch error as? DecodingError {
                    case .keyNotFound(let key, _)?: reason = "no '\(key.stringValue)'"
                    case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?:
                        reason = "bad '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
                    case .dataCorrupted?: reason = "not JSON (a line cut short?)"
                    default: reason = "\(error)"
                    }
                    throw CAMError.mergeFailed(path: resultsPath, detail: "line \(i + 1) is not a result record: \(reason)")
                }
            }
            found.append(Found(folder: folder, shard: shard, manifest: manifest, records: records))
        }
        return found
    }

    /// Copies a shard's overlays, raw maps and viewer data into the output folder unless they are
    /// already there; returns how many files it copied.
    func copyOutputs(of s: Found, into folder: OutputFolder) throws -> Int {
        let from = URL(fileURLWithPath: s.folder).resolvingSymlinksInPath().path
        let to = URL(fileURLWithPath: output).resolvingSymlinksInPath().path
        let inPlace = from == to
        let shardFolder: OutputFolder
        do { shardFolder = try OutputFolder(s.folder, create: false) } catch {
            throw CAMError.mergeFailed(path: s.folder, detail: error.reason)
        }
        var copied = 0
        for r in s.records {
            // Shards written into the output folder keep their files; their viewer data is
            // still checked, since the merged page will run it.
            let names = inPlace ? [r.view] : (r.explained ?? []).flatMap { [$0.overlay, $0.raw] } + [r.view]
            for name in names.compactMap({ $0 }) {
                // Read without following links: a shard folder's entries must be its own files.
                let source = s.folder + "/" + name
                guard var bytes = shardFolder.readRegularFile(name) else {
                    throw CAMError.mergeFailed(path: source, detail: "listed in \(ReportWriter.Names(shard: s.shard).results) but missing or not a regular file")
                }
                if name == r.view {
                    // The viewer's data runs as a script in the merged page: only camkit's own
                    // data for this photo, under its own name, is taken (rewritten from parsed JSON).
                    guard name == OutputNames.viewerData(relative: r.input), let checked = FolderViewer.checkedPhotoScript(bytes, input: r.input) else {
                        throw CAMError.mergeFailed(path: source, detail: "not camkit's viewer data for \(r.input)")
                    }
                    if inPlace && bytes == checked { continue }
                    bytes = checked
                }
                do { try folder.write(bytes, to: name) } catch {
                    throw PathError(.write, folder.display(name), error)
                }
                if !inPlace { copied += 1 }
            }
        }
        return copied
    }
}
