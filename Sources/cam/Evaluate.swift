import ArgumentParser
import CAMKit
import FolderRuns
import FileIO
import Foundation
import ImageIO
import Inference

/// `cam eval`: how well the maps localise annotated objects, and how faithful they are.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the maps against ground-truth boxes (top-1 loc, GT-known loc, MaxBoxAccV2) and, with --faithfulness, by deletion/insertion AUC and average drop/increase.",
        discussion: "Writes eval.json, localisation.png (BoxAcc over the threshold sweep) and, with --faithfulness, faithfulness.png into --out. Definitions: docs/eval.md.")

    @Argument(help: "Folder of the annotated photos.") var photos: String
    @Option(help: "Ground truth: a CSV (file,x0,y0,x1,y1,label; inclusive pixels) or a folder of Pascal VOC XML files.") var boxes: String
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Pixel attributions") var pixelOptions: PixelOptions
    @OptionGroup(title: "Attention rollout") var attentionOptions: AttentionOptions
    @Option(help: "Map method (README, Methods).") var method: CAMMethod = .cam
    @Flag(name: .customLong("eigen-smooth"), help: "Principal component of the weighted feature maps.") var eigenSmooth = false
    @Flag(name: .customLong("aug-smooth"), help: "Average the maps of the input and its mirror image, each with values multiplied by 0.9, 1.0 and 1.1.") var augSmooth = false
    @Option(name: .customLong("box-threshold"), help: "τ of the top-1 / GT-known box (fraction of the map's maximum).") var boxThreshold: Float = 0.2
    @Flag(help: "Also measure deletion/insertion AUC and average drop/increase (about 2·steps forward passes per photo).") var faithfulness = false
    @Option(help: "Deletion/insertion steps.") var steps = 100
    @Option(name: .customLong("batch-size"), help: "Images per forward pass for scorecam, occlusion and rise (and the faithfulness curves in eval); memory grows with it.") var batchSize = 16
    @Option(help: "Photos evaluated in parallel (default: the number of cores).") var jobs: Int?
    @Flag(name: .customLong("no-overlays"), help: "Do not write <photo>.eval.png (the ground-truth class's map, ground-truth boxes green, its box white).") var noOverlays = false
    @Option(help: "Output folder.") var out = "Output/eval"
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        try OptionChecks.check("steps", steps, in: 1...10_000)
        try OptionChecks.check("batch-size", batchSize, in: OptionChecks.batchSize)
        try OptionChecks.check("jobs", jobs, in: OptionChecks.workers)
        try OptionChecks.check("box-threshold", boxThreshold, in: OptionChecks.fraction)
    }

    func run() throws {
        let modelPath = modelOptions.path
        let classifier = try modelOptions.load(method: method)
        let truth: GroundTruth
        let output: OutputFolder
        do {
            truth = try GroundTruth.load(boxes)
            do { output = try OutputFolder(out) } catch { throw PathError(.create, out, error) }
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        var settings = EvaluationSettings()
        settings.explain.method = method
        settings.explain.layers = try modelOptions.resolvedLayers(classifier, method: method, augSmooth: augSmooth)
        settings.explain.eigenSmooth = eigenSmooth
        settings.explain.pixel = pixelOptions.options
        settings.explain.rollout = attentionOptions.options
        settings.explain.augSmooth = augSmooth
        settings.explain.batchSize = batchSize
        settings.explain.boxThreshold = boxThreshold
        settings.faithfulness = faithfulness
        settings.steps = steps
        settings.overlayFolder = noOverlays ? nil : output
        let evaluator = Evaluator(classifier: classifier, settings: settings)
        let progress = Progress(total: truth.files.count, quiet: quiet)
        var results: [ImageEvaluation] = []
        // Annotations that could not be read count as failed photos; the others go on.
        for problem in truth.problems {
            Console.error("cam: \(problem.message)")
            results.append(ImageEvaluation(file: problem.file ?? boxes, failure: problem.message))
        }
        results += evaluator.evaluateAll(truth, photosFolder: photos, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount) { done, r in
            if let error = r.error { Console.error("cam: \(error)") }
            progress.update(done: done, item: r.file, summary: r.status == .ok
                ? "\(r.top1Label ?? "?") (truth \(r.label ?? "?")), IoU \(String(format: "%.2f", r.iou ?? 0))" : "error")
        }
        progress.finish()
        let (summary, sweep) = evaluator.summarise(results)
        print(EvaluationReport.text(summary: summary, sweep: sweep, results: results, method: method.rawValue))
        do {
            try EvaluationReport.write(summary: summary, sweep: sweep, results: results, folder: output, settings: [
                "model": modelPath, "model_sha256": classifier.modelSHA256, "method": method.rawValue, "eigen_smooth": eigenSmooth,
                "layers": settings.explain.layers.isEmpty ? ["head"] : settings.explain.layers,
                "aug_smooth": augSmooth, "box_threshold": boxThreshold, "ground_truth": boxes, "faithfulness": faithfulness,
                "steps": steps, "version": CAMKitVersion.string,
            ])
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.someFailed)
        }
        if summary.failed > 0 { throw ExitCode(ExitStatus.someFailed) }
    }
}
