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
    // Unconditional: "--layer -2" takes -2 as the value, not as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Explain this layer: a name from `cam model --layers`, or an index from the output (-1 is the last feature map; default: the head's features). Several, comma-separated, are fused (each map normalised, then averaged).", valueName: "name|index[,…]"))
    var layer: String?
    @Option(help: ArgumentHelp("A transformer's token grid, where it cannot be found from the graph: rows x columns, plus leading extra tokens (class, distillation, registers).", valueName: "HxW[+N]"))
    var tokens: String?

    func validate() throws {
        try OptionChecks.check("size", size, in: ModelSidecar.inputSizeRange)
        if let tokens, TokenGrid(tokens) == nil {
            throw ValidationError("--tokens \(tokens): expected HxW or HxW+N (e.g. 14x14+1), sides 1…4096, at most 64 extra tokens")
        }
    }

    /// The model path: --model, else the shipped model.
    var path: String { model ?? DefaultModel.path() }

    /// Loads the classifier with these overrides; every problem is a usage error naming the
    /// model (or labels) file. `method` and `topK` are checked against the head found.
    func load(threads: Int = 1, method: CAMMethod? = nil, topK: Int? = nil) throws -> Classifier {
        let classifier: Classifier
        do {
            classifier = try Classifier(modelPath: path, labelsPath: labels, threads: threads, tokens: tokens.flatMap(TokenGrid.init)) { config in
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

    /// The value names `--layer` resolves to (empty without it), checked against `method`: a
    /// usage error, before any photo, for an unknown layer or a method that cannot work there.
    func resolvedLayers(_ classifier: Classifier, method: CAMMethod?, augSmooth: Bool = false) throws -> [String] {
        guard let layer else { return [] }
        let specs = layer.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var seen = Set<String>()
        // The same layer named twice (an index and its name) is one layer.
        let names = try Self.resolve(specs, classifier, method: method).filter { seen.insert($0).inserted }
        if augSmooth, let name = names.first(where: { $0 != classifier.head.featureName }) {
            Console.error("cam: \(CAMError.methodNeedsFinalLayer(method: "--aug-smooth", layer: name))")
            throw ExitCode(ExitStatus.usage)
        }
        return names
    }

    /// Layer specs resolved to value names (the model's layers listed once); a usage error when
    /// one is unknown or when `method` cannot work there.
    static func resolve(_ specs: [String], _ classifier: Classifier, method: CAMMethod?) throws -> [String] {
        do {
            let layers = try LayerCatalog.layers(of: classifier, size: classifier.config.inputSize)
            return try specs.map { spec in
                if let grid = classifier.tokenGrid, !layers.contains(where: { $0.name == spec }),
                   let value = try classifier.engine.runtimeValues(inputShapes: [classifier.inputName: [1, 3, classifier.config.inputSize, classifier.config.inputSize]])
                    .first(where: { $0.name == spec }) {
                    throw CAMError.layerOffGrid(spec, shape: value.shape, grid: grid.description)
                }
                let info = try LayerCatalog.resolve(spec, in: layers)
                if let method, CAMMethod.pixelMethods.contains(method) { throw CAMError.pixelMethodAtLayer(method: method.rawValue) }
                if let method, !info.isDefault, !CAMMethod.layerMethods.contains(method) {
                    throw CAMError.methodNeedsFinalLayer(method: method.rawValue, layer: info.name)
                }
                return info.name
            }
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
