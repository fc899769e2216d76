import ArgumentParser
import CAMKit
import FolderRuns

/// The model and how photos are fitted to it: one option group for `explain`, `inspect` and
/// `eval`, so each command loads the model the same way and can override the sidecar.
struct ModelOptions: ParsableArguments {
    @Option(help: "ONNX model (default: the shipped EfficientNet-Lite0).") var model: String?
    @Option(help: "Labels file, one class per line (default: from the model's sidecar).") var labels: String?
    @Option(help: "How the photo is fitted to the model (default: the sidecar's).") var resize: ResizeMode?
    @Option(help: "Model input size (shorter side; default: the sidecar's).") var size: Int?
    @Option(help: "Normalisation recipe (default: the sidecar's).") var preset: ModelSidecar.Preset?

    func validate() throws {
        try OptionChecks.check("size", size, in: ModelSidecar.inputSizeRange)
    }

    /// The model path: --model, else the shipped model.
    var path: String { model ?? DefaultModel.path() }

    /// Loads the classifier with these overrides; every problem is a usage error naming the
    /// model (or labels) file. `method` and `topK` are checked against the head found.
    func load(threads: Int = 1, method: CAMMethod? = nil, topK: Int? = nil) throws -> Classifier {
        let classifier: Classifier
        do {
            classifier = try Classifier(modelPath: path, labelsPath: labels, threads: threads) { config in
                if let resize { config.resize = resize }
                if let size { config.inputSize = size }
                if let preset { (config.mean, config.std) = preset.meanStd }
            }
        } catch {
            Console.error("cam: \(path): \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        if method == .cam, let error = classifier.head.camError {
            Console.error("cam: \(path): \(error)")
            throw ExitCode(ExitStatus.usage)
        }
        let classes = classifier.head.classes
        if let topK, classes > 0, topK > classes {
            Console.error("cam: --top-k \(topK) is outside 1...\(classes) (the model has \(classes) classes)")
            throw ExitCode(ExitStatus.usage)
        }
        return classifier
    }
}
