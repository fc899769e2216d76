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

    /// Written into each overlay's "Comment": what made its pixels (camkit's version, the
    /// model's SHA-256, its preprocessing, the method, layer and the overlay settings), so that
    /// `--skip-existing` keeps only overlays the current settings would draw the same.
    public var overlayComment: String {
        let c = classifier.config, s = settings, o = settings.overlay
        let recipe = [CAMKitVersion.string, classifier.modelSHA256, c.resize.rawValue, String(c.inputSize), String(c.stride),
                      c.interpolation.rawValue, c.channelOrder.rawValue, "\(c.mean)", "\(c.std)", s.method.rawValue,
                      "\(s.eigenSmooth)", "\(s.augSmooth)", o.colormap.rawValue, "\(o.alpha)", "\(o.threshold.map { "\($0)" } ?? "none")",
                      "\(s.drawBoxes)", "\(s.boxThreshold)", s.layers.isEmpty ? "head" : s.layers.joined(separator: ","),
                      CAMMethod.pixelMethods.contains(s.method) ? "\(s.pixel)" : ""].joined(separator: "|")
        return "camkit overlay settings " + String(SHA256.hex(of: Array(recipe.utf8)).prefix(32))
    }

    /// Whether the overlay at `relative` can be kept by `--skip-existing`: a regular file that
    /// decodes, has the photo's size and was made with these settings.
    func keepsOverlay(_ relative: String, width: Int, height: Int, comment: String) -> Bool {
        guard let bytes = output.readRegularFile(relative),
              PNGTextChunks.value(of: "Comment", in: bytes) == comment,
              let image = try? ImageDecoder.decode(bytes: bytes, path: relative) else { return false }
        return image.width == width && image.height == height
    }

    /// Outcome of one file.
    public enum Outcome: Sendable {
        case explained(ResultRecord)
        case failed(ResultRecord)
        case skipped(path: String, reason: String)
    }

    public func run(_ files: [InputFile]) -> [Outcome] {
        let comment = overlayComment
        return WorkerPool.map(count: files.count, workers: jobs, state: { classifier.makeSession() }) { session, i in
            process(files[i], session: session, comment: comment)
        } finished: { n, i, outcome in
            switch outcome {
            case .explained(let r), .failed(let r):
                log?.append(r)
                progress?(n, files.count, r)
            case .skipped: progress?(n, files.count, ResultRecord(input: files[i].relative, status: .skipped))
            }
        }
    }

    func process(_ file: InputFile, session: ClassifierSession, comment: String) -> Outcome {
        let bytes: [UInt8]
        do { bytes = try times.measure(.read) { () throws(ImageError) -> [UInt8] in try ImageDecoder.readFile(location: file.location, path: file.path) } } catch {
            return .failed(ResultRecord(input: file.relative, status: .error, error: error.description))
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
                if !(skipExisting && keepsOverlay(overlayName, width: photo.width, height: photo.height, comment: comment)) {
                    var image = times.measure(.overlay) { settings.overlay.render(photo: photo, map: m.photoMap) }
                    if settings.drawBoxes, let box = m.localisation.box { Overlay.drawBox(&image, box: box) }
                    let encoder = PNGEncoder(level: settings.pngLevel, software: "camkit \(CAMKitVersion.string)", comment: comment)
                    try times.measure(.encode) { try encoder.write(image, to: overlayName, in: output) }
                }
                var rawName: String?
                if settings.saveRaw {
                    let name = OutputNames.raw(relative: file.relative, index: m.index, label: label)
                    let t = Tensor(shape: [m.raw.height, m.raw.width], data: m.raw.values)
                    do { try output.write(NPYFile.encode(t), to: name) } catch {
                        throw PathError(.write, output.display(name), error)
                    }
                    rawName = name
                }
                explained.append(ExplainedClass(index: m.index, label: label, overlay: overlayName, raw: rawName,
                                                box: m.localisation.box, peak: m.localisation.peak, flat: m.flat, massInBox: m.massInBox))
            }
            return .explained(ResultRecord(input: file.relative, status: .ok, width: photo.width, height: photo.height,
                                           modelInput: .init(width: e.geometry.inputWidth, height: e.geometry.inputHeight, resize: e.geometry.mode),
                                           predictions: e.predictions, explained: explained))
        } catch {
            // Image and file errors name their file already; the others are prefixed with it.
            let named = (error as? ImageError)?.description ?? (error as? PathError)?.description
            return .failed(ResultRecord(input: file.relative, status: .error, error: named ?? "\(file.path): \(error)"))
        }
    }
}
