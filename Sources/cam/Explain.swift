import ArgumentParser
import CAMKit
import FolderRuns
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
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Pixel attributions") var pixelOptions: PixelOptions
    @OptionGroup(title: "Attention rollout") var attentionOptions: AttentionOptions
    @Option(help: "Output folder.") var out = "Output"
    @Option(name: .customLong("top-k"), help: "Explain the K best classes.") var topK = 1
    @Option(name: .customLong("class"), help: "Explain this class (label or index) instead of the top ones.") var classChoice: String?
    @Option(help: "Map method (README, Methods).") var method: CAMMethod = .cam
    @Flag(name: .customLong("eigen-smooth"), help: "Use the first principal component of the weighted feature maps instead of their sum.") var eigenSmooth = false
    @Flag(name: .customLong("aug-smooth"), help: "Average the maps of the input and its mirror image, each with values multiplied by 0.9, 1.0 and 1.1 (6 forward passes, as pytorch-grad-cam).") var augSmooth = false
    @Option(name: .customLong("batch-size"), help: "Images per forward pass for scorecam, occlusion and rise; memory grows with it.") var batchSize = 16
    @Option(help: "Colormap (jet is OpenCV's COLORMAP_JET).") var colormap: Colormap = .jet
    @Option(help: "Overlay opacity of the heatmap.") var alpha: Float = 0.5
    @Option(help: "Overlay file format: png (lossless), jpg or webp (lossy, several times smaller); the overlay's name ends .cam.<format>.") var format: OverlayFormat = .png
    @Option(help: ArgumentHelp("Quality of jpg and webp overlays, 1–100 (default \(OverlayFormat.defaultQuality)).", valueName: "Q")) var quality: Int?
    @Option(name: .customLong("png-level"), help: "Overlay PNG compression: fast (igzip) or best (zlib 9, smallest files).") var pngLevel: PNGEncoder.Level = .fast
    @Option(help: "Leave map values below this uncoloured (0–1).") var threshold: Float?
    @Option(name: .customLong("box-threshold"), help: "Box threshold as a fraction of the map's maximum.") var boxThreshold: Float = 0.2
    @Flag(help: "Draw the box on the overlay.") var boxes = false
    @Flag(name: .customLong("save-raw"), help: "Also write each raw map as .npy float32 [h, w] (with --html, also each photo's data for the viewer: <input>.cam.js).") var saveRaw = false
    @Flag(name: .customLong("skip-existing"), help: "Do not rewrite overlays that already exist.") var skipExisting = false
    @Option(help: "Photos explained in parallel (default: the number of cores).") var jobs: Int?
    @Option(help: "Threads per photo for the forward pass (results are identical for any value).") var threads = 1
    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this.") var maxPixels = DecodeOptions.defaultMaxPixels
    @Option(help: ArgumentHelp("Explain only shard K of N (K from 0; `auto/N` takes K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); combine the shards with `cam merge`.", valueName: "K/N"))
    var shard: String?
    @Flag(help: "Write index.html, a gallery of the results (with --save-raw, a viewer that redraws the overlays in the page).") var html = false
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print the time spent per pipeline stage at the end.") var timings = false

    func validate() throws {
        try OptionChecks.check("top-k", topK, in: OptionChecks.topK)
        try OptionChecks.check("jobs", jobs, in: OptionChecks.workers)
        try OptionChecks.check("threads", threads, in: OptionChecks.workers)
        try OptionChecks.check("batch-size", batchSize, in: OptionChecks.batchSize)
        try OptionChecks.check("max-pixels", maxPixels, in: OptionChecks.maxPixels)
        try OptionChecks.check("alpha", alpha, in: OptionChecks.fraction)
        try OptionChecks.check("threshold", threshold, in: OptionChecks.fraction)
        try OptionChecks.check("box-threshold", boxThreshold, in: OptionChecks.fraction)
        try OptionChecks.check("quality", quality, in: OptionChecks.quality)
        if quality != nil && format == .png { throw ValidationError("--quality applies to --format jpg or webp (PNG is lossless)") }
    }

    func run() throws {
        let part: Shard?
        do { part = try shard.map { s throws(CAMError) in try Shard.parse(s, environment: ProcessInfo.processInfo.environment) } } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workers = jobs ?? cores
        // Jobs × threads never exceeds the cores: oversubscription only adds switching.
        let threadsPerJob = max(1, min(threads, cores / max(workers, 1)))
        if threadsPerJob != threads && !quiet {
            Console.error("cam: using \(threadsPerJob) thread(s) per job so that \(workers) jobs fit \(cores) cores")
        }
        let classifier = try modelOptions.load(threads: threadsPerJob, method: method, topK: topK)
        var settings = ExplainSettings()
        settings.method = method
        settings.layers = try modelOptions.resolvedLayers(classifier, method: method, augSmooth: augSmooth)
        settings.eigenSmooth = eigenSmooth
        settings.pixel = pixelOptions.options
        settings.rollout = attentionOptions.options
        settings.augSmooth = augSmooth
        settings.batchSize = batchSize
        settings.topK = topK
        settings.boxThreshold = boxThreshold
        settings.overlay = Overlay(colormap: colormap, alpha: alpha, threshold: threshold)
        settings.drawBoxes = boxes
        settings.saveRaw = saveRaw
        settings.pngLevel = pngLevel
        settings.overlayFormat = format
        settings.quality = quality ?? OverlayFormat.defaultQuality
        settings.decode = DecodeOptions(maxPixels: maxPixels)
        if let classChoice {
            do { settings.classIndex = try classifier.classIndex(named: classChoice) } catch {
                Console.error("cam: --class: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        var job = FolderRun(classifier: classifier, settings: settings, paths: paths, outputPath: out, jobs: workers)
        job.recursive = recursive
        job.shard = part
        job.skipExisting = skipExisting
        job.html = html
        let prepared: FolderRun.Prepared
        do { prepared = try job.prepare() } catch {
            for line in error.description.split(separator: "\n") { Console.error("cam: \(line)") }
            throw ExitCode(ExitStatus.usage)
        }
        for m in prepared.missing { Console.error("cam: \(m): no such file or folder") }
        let progress = Progress(total: prepared.files.count, quiet: quiet)
        let start = Date()
        let summary: FolderRun.Summary
        do {
            summary = try job.run(prepared) { done, _, record in progress.update(done: done, record: record) }
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        progress.finish()
        for outcome in summary.outcomes {
            switch outcome {
            case .explained: break
            case .failed(let r): Console.error("cam: \(r.error ?? r.input)")
            case .skipped(let path, let reason): if !quiet { Console.error("cam: skipping \(path): \(reason)") }
            }
        }
        if let error = summary.reportError {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.someFailed)
        }
        let m = summary.manifest
        if !quiet {
            Console.error(String(format: "cam: %d explained, %d failed, %d skipped in %.2f s → %@", summary.explained, m.failed,
                                 m.skipped, Date().timeIntervalSince(start), out))
        }
        if timings { printTimings(summary.times, photos: m.inputs, workers: workers) }
        if m.failed > 0 || !prepared.missing.isEmpty { throw ExitCode(ExitStatus.someFailed) }
    }

    func printTimings(_ times: StageTimes, photos: Int, workers: Int) {
        let stages = times.milliseconds()
        let total = stages.reduce(0) { $0 + $1.1 }
        Console.error("stage                 total ms   ms/photo   share (summed over \(workers) job(s))")
        for (stage, ms) in stages {
            Console.error(stage.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " %9.1f %10.2f %7.1f%%", ms, ms / Double(max(photos, 1)), total > 0 ? ms / total * 100 : 0))
        }
    }
}
