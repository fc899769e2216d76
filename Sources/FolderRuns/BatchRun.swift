import CAMKit
import FileIO
import Foundation
import ImageIO
import Inference

/// Explains a list of photos into an output folder: overlays, raw maps, and the records for the
/// reports. Photos run in parallel (`jobs` workers, each with its own plans); results are
/// identical to a sequential run and reported in input order.
public struct BatchRun: Sendable {
    public var classifier: Classifier
    public var settings: ExplainSettings
    public var output: OutputFolder
    public var jobs: Int
    public var skipExisting = false
    /// Writes each photo's data for the folder viewer (`<input>.cam.js`; `--html --save-raw`).
    public var viewerData = false
    /// Per-stage time, summed over photos.
    public var times = StageTimes()
    /// Receives each record as soon as its photo is done.
    public var log: ResultsLog?
    /// Called after each photo with (done, total, record).
    public var progress: (@Sendable (Int, Int, ResultRecord) -> Void)?

    public init(classifier: Classifier, settings: ExplainSettings, output: OutputFolder, jobs: Int) {
        self.classifier = classifier
        self.settings = settings
        self.output = output
        self.jobs = jobs
    }

    /// Whether the overlay at `relative` can be kept by `--skip-existing`: a regular file that
    /// decodes, has the photo's size and was made with these settings.
    func keepsOverlay(_ relative: String, width: Int, height: Int, comment: String) -> Bool {
        guard let bytes = output.readRegularFile(relative), OverlayEncoder.comment(in: bytes) == comment,
              let size = OverlayEncoder.size(of: bytes, path: relative) else { return false }
        return size.width == width && size.height == height
    }

    /// Outcome of one file.
    public enum Outcome: Sendable {
        case explained(ResultRecord)
        case failed(ResultRecord)
        case skipped(path: String, reason: String)
    }

    public func run(_ files: [InputFile]) -> [Outcome] {
        let pipeline = PhotoPipeline(classifier: classifier, settings: settings)
        return WorkerPool.map(count: files.count, workers: jobs, state: { classifier.makeSession() }) { session, i in
            process(files[i], session: session, pipeline: pipeline)
        } finished: { n, i, outcome in
            switch outcome {
            case .explained(let r), .failed(let r):
                log?.append(r)
                progress?(n, files.count, r)
            case .skipped: progress?(n, files.count, ResultRecord(input: files[i].relative, status: .skipped))
            }
        }
    }

    func process(_ file: InputFile, session: ClassifierSession, pipeline: PhotoPipeline) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try times.measure(.read) { () throws(ImageError) -> [UInt8] in try ImageDecoder.readFile(location: file.location, path: file.path) } } catch {
            return .failed(ResultRecord(input: file.relative, status: .error, error: error.description))
        }
        if ImageFormat.sniff(bytes) == nil && !InputScanner.looksLikeImage(file.path) {
            return .skipped(path: file.path, reason: "not an image (\(ImageFormat.describeUnknown(bytes)))")
        }
        do {
            let e = try pipeline.explain(bytes: bytes, path: file.path, session: session, times: times)
            var rawNames: [Int: String] = [:]
            for m in e.maps {
                let overlayName = pipeline.overlayName(relative: file.relative, m)
                if !(skipExisting && keepsOverlay(overlayName, width: e.photo.width, height: e.photo.height, comment: pipeline.comment)) {
                    let image = pipeline.overlay(e, m, times: times)
                    try times.measure(.encode) { try pipeline.encoder.write(image, to: overlayName, in: output) }
                }
                if settings.saveRaw {
                    let name = OutputNames.raw(relative: file.relative, index: m.index, label: classifier.label(m.index))
                    let t = Tensor(shape: [m.raw.height, m.raw.width], data: m.raw.values)
                    do { try output.write(NPYFile.encode(t), to: name) } catch {
                        throw PathError(.write, output.display(name), error)
                    }
                    rawNames[m.index] = name
                }
            }
            var record = pipeline.record(relative: file.relative, e) { rawNames[$0.index] }
            if viewerData {
                let name = OutputNames.viewerData(relative: file.relative)
                let script = try FolderViewer.photoScript(input: file.relative, bytes: bytes, explanation: e)
                do { try output.write(script, to: name) } catch {
                    throw PathError(.write, output.display(name), error)
                }
                record.view = name
            }
            return .explained(record)
        } catch {
            // Image and file errors name their file already; the others are prefixed with it.
            let named = (error as? ImageError)?.description ?? (error as? PathError)?.description
            return .failed(ResultRecord(input: file.relative, status: .error, error: named ?? "\(file.path): \(error)"))
        }
    }
}
