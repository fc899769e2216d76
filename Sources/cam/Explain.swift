import ArgumentParser
import CAMKit
import Foundation
import ImageIO
import Inference

/// `cam explain`: class activation maps for photos and folders.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Classify photos and write CAM heatmap overlays, results.jsonl, results.csv and manifest.json.")

    @Argument(help: "Photos and/or folders.") var paths: [String]
    @Flag(help: "Descend into sub-folders.") var recursive = false
    @Option(help: "ONNX model (default: the shipped EfficientNet-Lite0).") var model: String?
    @Option(help: "Labels file, one class per line (default: from the model's sidecar).") var labels: String?
    @Option(help: "Output folder.") var out = "Output"
    @Option(name: .customLong("top-k"), help: "Explain the K best classes.") var topK = 1
    @Option(name: .customLong("class"), help: "Explain this class (label or index) instead of the top ones.") var classChoice: String?
    @Option(help: "Resize mode: full, crop or stretch (default: the sidecar's).") var resize: ResizeMode?
    @Option(help: "Model input size (shorter side).") var size: Int?
    @Option(help: "Normalisation preset: imagenet, inception, lite.") var preset: ModelSidecar.Preset?
    @Option(help: "Map method: cam, gradcam, gradcampp, xgradcam, hirescam, eigencam, scorecam, ablationcam.") var method: CAMMethod = .cam
    @Flag(name: .customLong("eigen-smooth"), help: "Use the first principal component of the weighted feature maps instead of their sum.") var eigenSmooth = false
    @Flag(name: .customLong("aug-smooth"), help: "Average the maps of the input and its mirror image, each with values multiplied by 0.9, 1.0 and 1.1 (6 forward passes, as pytorch-grad-cam).") var augSmooth = false
    @Option(name: .customLong("batch-size"), help: "Images per forward pass for scorecam.") var batchSize = 16
    @Option(help: "Colormap: jet, turbo, viridis, inferno, magma, gray.") var colormap: Colormap = .jet
    @Option(help: "Overlay opacity of the heatmap.") var alpha: Float = 0.5
    @Option(name: .customLong("png-level"), help: "Overlay PNG compression: fast (igzip) or best (zlib 9, smallest files).") var pngLevel: PNGEncoder.Level = .fast
    @Option(help: "Leave map values below this uncoloured (0–1).") var threshold: Float?
    @Option(name: .customLong("box-threshold"), help: "Box threshold as a fraction of the map's maximum.") var boxThreshold: Float = 0.2
    @Flag(help: "Draw the box on the overlay.") var boxes = false
    @Flag(name: .customLong("save-raw"), help: "Also write each raw map as .npy float32 [h, w].") var saveRaw = false
    @Flag(name: .customLong("skip-existing"), help: "Do not rewrite overlays that already exist.") var skipExisting = false
    @Option(help: "Photos explained in parallel (default: the number of cores).") var jobs: Int?
    @Option(help: "Threads per photo for the forward pass (results are identical for any value).") var threads = 1
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this.") var maxPixels = DecodeOptions.defaultMaxPixels
    @Option(help: ArgumentHelp("Explain only shard K of N (K from 0; `auto/N` takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); combine the shards with `cam merge`.", valueName: "K/N"))
    var shard: String?
    @Flag(help: "Write index.html, a gallery of the results.") var html = false
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print the time spent per pipeline stage at the end.") var timings = false

    func validate() throws {
        try OptionChecks.check("top-k", topK, in: OptionChecks.topK)
        try OptionChecks.check("size", size, in: ModelSidecar.inputSizeRange)
        try OptionChecks.check("jobs", jobs, in: OptionChecks.workers)
        try OptionChecks.check("threads", threads, in: OptionChecks.workers)
        try OptionChecks.check("batch-size", batchSize, in: OptionChecks.batchSize)
        try OptionChecks.check("max-pixels", maxPixels, in: OptionChecks.maxPixels)
        try OptionChecks.check("alpha", alpha, in: OptionChecks.fraction)
        try OptionChecks.check("threshold", threshold, in: OptionChecks.fraction)
        try OptionChecks.check("box-threshold", boxThreshold, in: OptionChecks.fraction)
    }

    func run() throws {
        // A full disk or a file-size limit must end one write with EFBIG, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        let part: Shard?
        do { part = try shard.map { s throws(CAMError) in try Shard.parse(s, environment: ProcessInfo.processInfo.environment) } } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let modelPath = model ?? DefaultModel.path()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workers = jobs ?? cores
        // Jobs × threads never exceeds the cores: oversubscription only adds switching.
        let threadsPerJob = max(1, min(threads, cores / max(workers, 1)))
        if threadsPerJob != threads && !quiet {
            Console.error("cam: using \(threadsPerJob) thread(s) per job so that \(workers) jobs fit \(cores) cores")
        }
        InferenceEngine.setBLASThreads(1)
        let classifier: Classifier
        do {
            classifier = try Classifier(modelPath: modelPath, labelsPath: labels, threads: threadsPerJob) { config in
                if let resize { config.resize = resize }
                if let size { config.inputSize = size }
                if let preset { (config.mean, config.std) = preset.meanStd }
            }
        } catch {
            Console.error("cam: \(modelPath): \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        if method == .cam, let error = classifier.head.camError {
            Console.error("cam: \(modelPath): \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let classes = classifier.head.classes
        if classes > 0 && topK > classes {
            Console.error("cam: --top-k \(topK) is outside 1...\(classes) (the model has \(classes) classes)")
            throw ExitCode(ExitStatus.usage)
        }
        var settings = ExplainSettings()
        settings.method = method
        settings.eigenSmooth = eigenSmooth
        settings.augSmooth = augSmooth
        settings.batchSize = batchSize
        settings.topK = topK
        settings.boxThreshold = boxThreshold
        settings.overlay = Overlay(colormap: colormap, alpha: alpha, threshold: threshold)
        settings.drawBoxes = boxes
        settings.saveRaw = saveRaw
        settings.pngLevel = pngLevel
        settings.decode = DecodeOptions(maxPixels: maxPixels)
        if let classChoice {
            if let i = Int(classChoice), i >= 0, i < classifier.head.classes || classifier.head.classes == 0 {
                settings.classIndex = i
            } else if let i = classifier.labels.firstIndex(where: { $0.lowercased() == classChoice.lowercased() }) {
                settings.classIndex = i
            } else {
                Console.error("cam: \(CAMError.badClass(classChoice, classes: classifier.head.classes))")
                throw ExitCode(ExitStatus.usage)
            }
        }
        let output: OutputFolder
        do { output = try OutputFolder(out) } catch {
            Console.error("cam: \(out): cannot use the output folder (\(error.reason))")
            throw ExitCode(ExitStatus.usage)
        }
        guard access(out, W_OK) == 0 else {
            Console.error("cam: \(out): output folder is not writable")
            throw ExitCode(ExitStatus.usage)
        }
        output.removeStaleTemporaries()
        let scan = InputScanner.scan(paths, recursive: recursive, excluding: out)
        if !scan.clashes.isEmpty {
            for clash in scan.clashes.prefix(20) {
                Console.error("cam: \(clash.paths.joined(separator: " and ")) would share the output name \(clash.relative)")
            }
            Console.error("cam: \(scan.clashes.count) output name(s) shared by several inputs: rename them or explain them in separate runs")
            throw ExitCode(ExitStatus.usage)
        }
        var files = scan.files
        let missing = scan.missing
        for m in missing { Console.error("cam: \(m): no such file or folder") }
        let names = ReportWriter.Names(shard: part)
        // A rerun of a killed run must not leave the old manifest beside a new, shorter results file.
        output.remove(names.manifest)
        if let part {
            files = files.filter { part.contains(relative: $0.relative) }
        }
        // Every shard reports a missing path and fails, but only shard 0 counts it in its
        // manifest, so that merged counts equal one process's.
        let missingCounted = (part?.index ?? 0) == 0 ? missing.count : 0
        var batch = BatchRun(classifier: classifier, settings: settings, output: output, jobs: workers)
        batch.skipExisting = skipExisting
        do { batch.log = try ResultsLog(folder: output, name: names.results) } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let progress = Progress(total: files.count, quiet: quiet)
        batch.progress = { done, total, record in progress.update(done: done, record: record) }
        let start = Date()
        let outcomes = batch.run(files)
        progress.finish()
        var records: [ResultRecord] = []
        var failed = missingCounted
        for (file, outcome) in zip(files, outcomes) {
            switch outcome {
            case .explained(let r): records.append(r)
            case .failed(let r):
                records.append(r)
                failed += 1
                Console.error("cam: \(r.error ?? file.path)")
            case .skipped(let path, let reason):
                if !quiet { Console.error("cam: skipping \(path): \(reason)") }
            }
        }
        var manifest: [String: Any] = [
            "schema_version": 1, "tool": "camkit", "version": CAMKitVersion.string,
            "model": ["path": modelPath, "name": classifier.config.name ?? (modelPath as NSString).lastPathComponent,
                      "sha256": classifier.modelSHA256,
                      "feature_tensor": classifier.head.featureName, "classes": classifier.head.classes],
            "method": method.rawValue,
            "eigen_smooth": eigenSmooth, "aug_smooth": augSmooth,
            "settings": ["resize": classifier.config.resize.rawValue, "input_size": classifier.config.inputSize,
                         "stride": classifier.config.stride, "interpolation": classifier.config.interpolation.rawValue,
                         "mean": classifier.config.mean, "std": classifier.config.std, "top_k": topK,
                         "class": settings.classIndex as Any? ?? NSNull(), "colormap": colormap.rawValue, "alpha": alpha,
                         "threshold": threshold as Any? ?? NSNull(), "box_threshold": boxThreshold, "boxes": boxes, "png_level": pngLevel.rawValue,
                         "normalisation": "relu, min-max", "upsampling": "bilinear, half-pixel centres"],
            "inputs": records.count, "failed": failed, "skipped": files.count - records.count,
        ]
        if let part { manifest["shard"] = ["index": part.index, "count": part.count] }
        // The inputs as given: shards of different input folders must not merge.
        manifest["roots"] = paths
        manifest["recursive"] = recursive
        do {
            try ReportWriter.writeAll(records: records, folder: output, manifest: manifest, html: html, names: names)
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.someFailed)
        }
        if !quiet {
            let seconds = Date().timeIntervalSince(start)
            Console.error(String(format: "cam: %d explained, %d failed, %d skipped in %.2f s → %@", records.count - (failed - missingCounted),
                                 failed, files.count - records.count, seconds, out))
        }
        if timings {
            let stages = batch.times.milliseconds()
            let total = stages.reduce(0) { $0 + $1.1 }
            let photos = max(records.count, 1)
            Console.error("stage                 total ms   ms/photo   share (summed over \(workers) job(s))")
            for (stage, ms) in stages {
                Console.error(stage.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %9.1f %10.2f %7.1f%%", ms, ms / Double(photos), total > 0 ? ms / total * 100 : 0))
            }
        }
        if failed > 0 || !missing.isEmpty { throw ExitCode(ExitStatus.someFailed) }
    }
}

extension ResizeMode: ExpressibleByArgument {}
extension CAMMethod: ExpressibleByArgument {}
extension Colormap: ExpressibleByArgument {}
extension PNGEncoder.Level: ExpressibleByArgument {}
extension ModelSidecar.Preset: ExpressibleByArgument {}

/// Where the shipped model is found: ./Samples/models, or beside the source tree of the binary.
enum DefaultModel {
    static let relative = "Samples/models/efficientnet_lite0.onnx"

    static func path() -> String {
        if let env = ProcessInfo.processInfo.environment["CAMKIT_MODEL"] { return env }
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return relative
    }
}
