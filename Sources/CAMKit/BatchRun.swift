import Foundation
import ImageIO
import Inference

/// Explains a list of photos into an output folder: overlays, raw maps, and the records for the
/// reports. Photos run in parallel (`jobs` workers, each with its own plans); results are
/// identical to a sequential run and reported in input order.
public struct BatchRun: Sendable {
    public var classifier: Classifier
    public var settings: ExplainSettings
    public var outputFolder: String
    public var jobs: Int
    public var skipExisting = false
    /// Per-stage time, summed over photos.
    public var times = StageTimes()
    /// Receives each record as soon as its photo is done.
    public var log: ResultsLog?
    /// Called after each photo with (done, total, record).
    public var progress: (@Sendable (Int, Int, ResultRecord) -> Void)?

    public init(classifier: Classifier, settings: ExplainSettings, outputFolder: String, jobs: Int) {
        self.classifier = classifier
        self.settings = settings
        self.outputFolder = outputFolder
        self.jobs = jobs
    }

    /// Outcome of one file.
    public enum Outcome: Sendable {
        case explained(ResultRecord)
        case failed(ResultRecord)
        case skipped(path: String, reason: String)
    }

    public func run(_ files: [InputFile]) -> [Outcome] {
        let outputs = OutputGuard(root: outputFolder)
        return WorkerPool.map(count: files.count, workers: jobs, state: { classifier.makeSession() }) { session, i in
            process(files[i], session: session, outputs: outputs)
        } finished: { n, i, outcome in
            switch outcome {
            case .explained(let r), .failed(let r):
                log?.append(r)
                progress?(n, files.count, r)
            case .skipped: progress?(n, files.count, ResultRecord(input: files[i].relative, status: "skipped"))
            }
        }
    }

    func process(_ file: InputFile, session: ClassifierSession, outputs: OutputGuard) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try times.measure(.read) { () throws(ImageError) -> [UInt8] in try ImageDecoder.readFile(file.path) } } catch {
            return .failed(ResultRecord(input: file.relative, status: "error", error: error.description))
        }
        if ImageFormat.sniff(bytes) == nil && !InputScanner.looksLikeImage(file.path) {
            return .skipped(path: file.path, reason: "not an image (\(ImageFormat.describeUnknown(bytes)))")
        }
        do {
            let photo = try times.measure(.decode) { () throws(ImageError) -> RGBImage in try ImageDecoder.decode(bytes: bytes, path: file.path, options: settings.decode) }
            let e = try Explainer.explain(photo, session: session, settings: settings, times: times)
            var explained: [ExplainedClass] = []
            for m in e.maps {
                let label = classifier.label(m.index)
                let overlayName = OutputNames.overlay(relative: file.relative, index: m.index, label: label)
                let overlayPath = outputFolder + "/" + overlayName
                try outputs.prepare(overlayPath)
                if !(skipExisting && FileManager.default.fileExists(atPath: overlayPath)) {
                    var image = times.measure(.overlay) { settings.overlay.render(photo: photo, map: m.photoMap) }
                    if settings.drawBoxes, let box = m.localisation.box { Overlay.drawBox(&image, box: box) }
                    try times.measure(.encode) { try PNGEncoder(software: "camkit \(CAMKitVersion.string)").write(image, to: overlayPath) }
                }
                var rawName: String?
                if settings.saveRaw {
                    rawName = OutputNames.raw(relative: file.relative, index: m.index, label: label)
                    let t = Tensor(shape: [m.raw.height, m.raw.width], data: m.raw.values)
                    do { try AtomicFile.write(NPYFile.encode(t), to: outputFolder + "/" + rawName!) } catch {
                        throw ImageError.unwritable(path: outputFolder + "/" + rawName!, reason: error.reason)
                    }
                }
                explained.append(ExplainedClass(index: m.index, label: label, overlay: overlayName, raw: rawName,
                                                box: m.localisation.box, peak: m.localisation.peak, flat: m.flat, massInBox: m.massInBox))
            }
            return .explained(ResultRecord(input: file.relative, status: "ok", width: photo.width, height: photo.height,
                                           modelInput: .init(width: e.geometry.inputWidth, height: e.geometry.inputHeight, resize: e.geometry.mode),
                                           predictions: e.predictions, explained: explained))
        } catch let error as ImageError {
            return .failed(ResultRecord(input: file.relative, status: "error", error: error.description))
        } catch {
            return .failed(ResultRecord(input: file.relative, status: "error", error: "\(file.path): \(error)"))
        }
    }
}
