import CAMKit
import FileIO
import Foundation
import ImageIO

/// `cam explain`'s job: the photos of files and folders explained into one output folder, with
/// the reports. Opens the folder (removing dead runs' temporaries), scans the inputs (refusing
/// names two inputs would share), keeps this shard's, runs them on the worker pool with a
/// running results log, then writes results.jsonl/.csv, manifest.json and the gallery.
public struct FolderRun {
    public var classifier: Classifier
    public var settings: ExplainSettings
    public var paths: [String]
    public var recursive = false
    public var outputPath: String
    public var shard: Shard?
    public var jobs: Int
    public var skipExisting = false
    public var html = false

    public init(classifier: Classifier, settings: ExplainSettings, paths: [String], outputPath: String, jobs: Int) {
        self.classifier = classifier
        self.settings = settings
        self.paths = paths
        self.outputPath = outputPath
        self.jobs = jobs
    }

    /// Why a run cannot start (nothing has been explained).
    public enum StartError: Error, CustomStringConvertible {
        case output(path: String, reason: String)
        case clashes([(relative: String, paths: [String])])

        public var description: String {
            switch self {
            case let .output(path, reason): return "\(path): cannot use the output folder (\(reason))"
            case let .clashes(list):
                return list.prefix(20).map { "\($0.paths.joined(separator: " and ")) would share the output name \($0.relative)" }
                    .joined(separator: "\n") + "\n\(list.count) output name(s) shared by several inputs: rename them or explain them in separate runs"
            }
        }
    }

    /// A run ready to go: the output folder open, the inputs found.
    public struct Prepared {
        public let output: OutputFolder
        public let files: [InputFile]
        /// Paths given that do not exist.
        public let missing: [String]
    }

    /// What a finished run did.
    public struct Summary {
        public var outcomes: [BatchRun.Outcome]
        public var manifest: RunManifest
        public var times: StageTimes
        /// Set when the reports could not be written.
        public var reportError: Error?
        public var explained: Int { outcomes.filter { if case .explained = $0 { true } else { false } }.count }
    }

    public func prepare() throws(StartError) -> Prepared {
        let output: OutputFolder
        do { output = try OutputFolder(outputPath) } catch { throw .output(path: outputPath, reason: error.reason) }
        guard access(outputPath, W_OK) == 0 else { throw .output(path: outputPath, reason: "not writable") }
        output.removeStaleTemporaries()
        let scan = InputScanner.scan(paths, recursive: recursive, excluding: outputPath)
        guard scan.clashes.isEmpty else { throw .clashes(scan.clashes) }
        let files = shard.map { part in scan.files.filter { part.contains(relative: $0.relative) } } ?? scan.files
        return Prepared(output: output, files: files, missing: scan.missing)
    }

    /// Runs the prepared inputs; `progress` gets (done, total, record) as each photo finishes.
    public func run(_ prepared: Prepared, progress: (@Sendable (Int, Int, ResultRecord) -> Void)? = nil) throws(PathError) -> Summary {
        let names = ReportWriter.Names(shard: shard)
        // A rerun of a killed run must not leave the old manifest beside a new, shorter results file.
        prepared.output.remove(names.manifest)
        var batch = BatchRun(classifier: classifier, settings: settings, output: prepared.output, jobs: jobs)
        batch.skipExisting = skipExisting
        batch.viewerData = html && settings.saveRaw
        batch.log = try ResultsLog(folder: prepared.output, name: names.results)
        batch.progress = progress
        let outcomes = batch.run(prepared.files)
        var records: [ResultRecord] = []
        var failed = 0
        for outcome in outcomes {
            switch outcome {
            case .explained(let r): records.append(r)
            case .failed(let r): records.append(r); failed += 1
            case .skipped: break
            }
        }
        var manifest = RunManifest(classifier: classifier, settings: settings, roots: paths, recursive: recursive, shard: shard)
        // Every shard reports a missing path and fails, but only shard 0 counts it in its
        // manifest, so that merged counts equal one process's.
        manifest.inputs = records.count
        manifest.failed = failed + ((shard?.index ?? 0) == 0 ? prepared.missing.count : 0)
        manifest.skipped = prepared.files.count - records.count
        var summary = Summary(outcomes: outcomes, manifest: manifest, times: batch.times)
        do { try ReportWriter.writeAll(records: records, folder: prepared.output, manifest: manifest, html: html, names: names) } catch {
            summary.reportError = error
        }
        return summary
    }
}
