import ArgumentParser
import CAMKit
import FolderRuns
import Foundation

/// `cam merge`: one set of reports from the shards of `cam explain --shard K/N`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the reports of `cam explain --shard K/N` runs into results.jsonl, results.csv, manifest.json (and index.html).",
        discussion: "Each folder may hold one or more shards' reports (results-K-of-N.jsonl, manifest-K-of-N.json). All N shards must be present once. Overlays, raw maps and the folder viewer's data (<input>.cam.js, checked: the merged page runs it) in shard folders other than --out are copied into --out.")

    @Argument(help: "Output folders of the shards.") var folders: [String]
    @Option(help: "Folder for the merged reports (default: the first shard folder).") var out: String?
    @Flag(help: "Write index.html, a gallery of the results.") var html = false
    @Flag(help: "No summary line.") var quiet = false

    func run() throws {
        let output = out ?? folders[0]
        do {
            let summary = try ShardMerger(folders: folders, output: output).merge(html: html)
            if !quiet {
                Console.error("cam: merged \(summary.shards) shard(s): \(summary.records) records, \(summary.copied) file(s) copied → \(output)")
            }
            if summary.failed > 0 { throw ExitCode(ExitStatus.someFailed) }
        } catch let e as ExitCode {
            throw e
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
