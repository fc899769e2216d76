import ArgumentParser
import CAMKit
import FileIO
import FolderRuns
import Foundation

/// `cam model`: describes an ONNX model and the CAM head camkit finds in it.
struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Describe an ONNX model: inputs, outputs, ops, parameters, FLOPs and its CAM head.")

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input height and width used for shapes and FLOPs (default: the sidecar's size, else 224).") var size: Int?
    @Flag(help: "List the layers a map can be computed at (for --layer), with their shapes.") var layers = false
    @Flag(help: "Print the model as JSON (input, classes and labels, head, token grid, layers, methods, colormaps): what cam serve's GET /v1/model answers.") var json = false
    @Flag(name: .customLong("write-sidecar"), help: "Draft <model>.json beside the model from the graph (input size, resize, stride); its normalisation is ImageNet's until you edit it. Refuses to replace an existing sidecar.") var writeSidecar = false

    func validate() throws {
        try OptionChecks.check("size", size, in: ModelSidecar.inputSizeRange)
    }

    func run() throws {
        do {
            if writeSidecar {
                try draftSidecar()
                return
            }
            if json {
                let classifier = try Classifier(modelPath: model, labelsPath: nil, threads: 1, tokens: nil) { config in
                    if let size { config.inputSize = size }
                }
                let description = ModelDescription(classifier: classifier, layers: try LayerCatalog.layers(of: classifier, size: classifier.config.inputSize))
                print(String(decoding: try ReportWriter.encoder().encode(description), as: UTF8.self))
                return
            }
            print(try layers ? ModelReport.describeLayers(path: model, size: size) : ModelReport.describe(path: model, size: size))
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// Writes the drafted sidecar (never over an existing one) and prints what was guessed.
    func draftSidecar() throws {
        let path = model + ".json"
        if FileManager.default.fileExists(atPath: path) {
            throw CAMError.badSidecar(path: path, detail: "it exists already; --write-sidecar never replaces one (move it away to draft a new one)")
        }
        let draft = try SidecarDraft.make(modelPath: model)
        let text = try SidecarDraft.json(draft.sidecar)
        do { try AtomicFile.write(text: text, to: path) } catch { throw PathError(.write, path, error) }
        print("wrote \(path):")
        for note in draft.notes { print("  \(note)") }
    }
}
