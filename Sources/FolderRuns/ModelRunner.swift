import CAMKit
import FileIO
import Foundation
import ImageIO
import Inference
import ONNX

/// Runs a model on `.npy` inputs and writes the requested values as `.npy` (for `cam run`).
public enum ModelRunner {
    /// Why `cam run` failed.
    public enum RunError: Error, CustomStringConvertible {
        case input(path: String, detail: String)
        case inputCount(given: Int, expected: Int)

        public var description: String {
            switch self {
            case let .input(path, detail): return "\(path): \(detail)"
            case let .inputCount(given, expected): return "\(given) --input files given, the model has \(expected) inputs"
            }
        }
    }

    /// Returns the lines to print.
    public static func run(modelPath: String, inputPaths: [String], outputs: [String]?, outputFolder: String,
                           threads: Int, repeats: Int, profile: Bool = false, gradient: GradientRequest? = nil) throws -> [String] {
        let model = try ONNXModel.load(path: modelPath)
        let wanted = outputs ?? model.graph.outputs
        let engine = InferenceEngine(graph: model.graph, keep: Set(wanted).union(gradient?.targets ?? []), threads: threads)
        guard inputPaths.count == engine.graph.inputs.count else {
            throw RunError.inputCount(given: inputPaths.count, expected: engine.graph.inputs.count)
        }
        var tensors: [String: Tensor] = [:]
        for (input, path) in zip(engine.graph.inputs, inputPaths) {
            let bytes: [UInt8]
            do { bytes = try FileBytes.read(path) } catch { throw RunError.input(path: path, detail: error.reason) }
            do { tensors[input.name] = try NPYFile.parse(bytes).tensor() } catch { throw RunError.input(path: path, detail: error.description) }
        }
        let plan = try engine.makePlan(inputShapes: tensors.mapValues(\.shape), outputs: wanted)
        var results = try plan.run(tensors)
        var lines: [String] = []
        if repeats > 1 {
            var times: [Double] = []
            let clock = ContinuousClock()
            for _ in 0..<repeats {
                let d = try clock.measure { results = try plan.run(tensors) }
                times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
            }
            times.sort()
            let batch = tensors.values.first?.shape.first ?? 1
            lines.append(String(format: "forward: median %.3f ms, min %.3f ms over %d runs (batch %d, threads %d)",
                                times[times.count / 2], times[0], repeats, batch, threads))
        }
        if profile {
            lines.append("cpu path: \(engine.cpuPath.summary)" + (plan.nativeLayout.map { ", layout \($0)" } ?? ""))
            let rows = try plan.profile(tensors, runs: max(repeats, 1))
            let total = rows.reduce(0) { $0 + $1.seconds }
            for row in rows {
                lines.append(row.op.padding(toLength: 28, withPad: " ", startingAt: 0)
                             + String(format: " %8.3f ms/run  %5.1f%%", row.seconds * 1e3 / Double(max(repeats, 1)), row.seconds / total * 100))
            }
        }
        let folder: OutputFolder
        do { folder = try OutputFolder(outputFolder) } catch { throw PathError(.create, outputFolder, error) }
        if let gradient {
            let (gradients, gradientLines) = try Self.gradients(gradient, engine: engine, tensors: tensors, arenaFloats: plan.arenaFloats, repeats: repeats)
            lines += gradientLines
            for (name, t) in gradients.sorted(by: { $0.key < $1.key }) { results[name + ".grad"] = t }
        }
        for name in wanted + (gradient?.targets.map { $0 + ".grad" } ?? []) {
            let t = results[name]!
            let safe = name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." ? $0 : "_" }
            let file = String(safe) + ".npy"
            let path = folder.display(file)
            do { try folder.write(NPYFile.encode(t), to: file) } catch { throw PathError(.write, path, error) }
            lines.append("\(name) \(t.shape) -> \(path)")
        }
        return lines
    }

    /// `cam run --wrt`: which values to differentiate, and which output element.
    public struct GradientRequest {
        public var targets: [String]
        public var output: String?
        public var outputIndex: Int
        public init(targets: [String], output: String?, outputIndex: Int) {
            self.targets = targets
            self.output = output
            self.outputIndex = outputIndex
        }
    }

    /// ∂output[index]/∂target for each target, timed like the forward pass, with the memory the
    /// gradient plan keeps beside the forward plan's.
    static func gradients(_ request: GradientRequest, engine: InferenceEngine, tensors: [String: Tensor], arenaFloats: Int,
                          repeats: Int) throws -> ([String: Tensor], [String]) {
        let output = request.output ?? engine.graph.outputs[0]
        let plan = try engine.makeGradientPlan(inputShapes: tensors.mapValues(\.shape), targets: request.targets, output: output)
        var result = try plan.run(tensors, outputIndex: request.outputIndex)
        var lines: [String] = []
        if repeats > 1 {
            var times: [Double] = []
            let clock = ContinuousClock()
            for _ in 0..<repeats {
                let d = try clock.measure { result = try plan.run(tensors, outputIndex: request.outputIndex) }
                times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
            }
            times.sort()
            lines.append(String(format: "gradient: median %.3f ms, min %.3f ms over %d runs (forward + backward of %@[%d])",
                                times[times.count / 2], times[0], repeats, output, request.outputIndex))
        }
        let every = try engine.runtimeValues(inputShapes: tensors.mapValues(\.shape)).reduce(0) { $0 + $1.shape.elementCount }
        lines.append(String(format: "gradient memory: %.1f MiB kept for backward; forward plan %.1f MiB, all of its activations %.1f MiB",
                            Double(plan.keptFloats * 4) / 1048576, Double(arenaFloats * 4) / 1048576, Double(every * 4) / 1048576))
        return (result.gradients, lines)
    }
}

