import Foundation
import Inference
import ONNX

/// The text `cam model` prints: inputs, outputs, opset, op histogram, parameters, FLOPs and the CAM head.
public enum ModelReport {
    public static func describe(path: String, size: Int?) throws -> String {
        let model = try ONNXModel.load(path: path)
        let sidecar = try? ModelSidecar.load(besideModel: path)
        let side = size ?? sidecar?.inputSize ?? 224
        var lines: [String] = []
        lines.append("model: \(path)")
        lines.append("producer: \(model.producer.isEmpty ? "?" : model.producer), opset \(model.opset)")
        for input in model.graph.inputs {
            lines.append("input: \(input.name) [\(input.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]")
        }
        lines.append("outputs: \(model.graph.outputs.joined(separator: ", "))")
        var histogram: [String: Int] = [:]
        for op in model.opTypes { histogram[op, default: 0] += 1 }
        lines.append("ops: " + histogram.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("parameters: \(model.parameterCount)")
        if let input = model.graph.inputs.first {
            let shape = input.shape.enumerated().map { i, d in d ?? (i == 0 ? 1 : i == 1 ? 3 : side) }
            let engine = InferenceEngine(graph: model.graph)
            lines.append("cpu path: \(engine.cpuPath.summary)")
            do {
                let plan = try engine.makePlan(inputShapes: [input.name: shape])
                lines.append(String(format: "FLOPs at [%@]: %.3f G (multiply-adds ×2), activation memory %.1f MiB",
                                    shape.map(String.init).joined(separator: ", "), Double(plan.flops) / 1e9, Double(plan.arenaFloats * 4) / 1048576))
            } catch {
                lines.append("plan at \(shape): \(error)")
            }
            if let grid = TokenGrid.discover(graph: model.graph, engine: engine, input: input.name, size: shape[2]) {
                lines.append("token grid: \(grid) (the patch embedding's output; layers of tokens map to it, extra tokens dropped)")
            }
        }
        do {
            let head = try CAMHead.discover(in: model.graph)
            if head.classToken {
                lines.append("CAM head: class token ('\(head.poolNode)') → linear \(head.classes)×\(head.channels) → logits '\(head.logitsName)': --method cam does not apply; gradient methods run at '\(head.featureName)' (the last block's attention norm) or --layer")
                return lines.joined(separator: "\n")
            }
            if let program = head.program {
                lines.append("CAM head: features '\(head.featureName)' → \(head.poolNode) → not linear (\(program.nodeCount) nodes, first non-linear '\(program.firstNonLinear)') → \(program.classes) logits '\(head.logitsName)': --method cam is not exact; gradient methods (gradcam, gradcampp, xgradcam, hirescam) back-propagate through the head, and scorecam, ablationcam, eigencam work")
                return lines.joined(separator: "\n")
            }
            let classes = head.classes == 0 ? "identity (class map before the pool)" : "\(head.classes)×\(head.channels)"
            lines.append("CAM head: features '\(head.featureName)' → \(head.poolNode) → linear \(classes) → logits '\(head.logitsName)'\(head.outputIsSoftmax ? " → Softmax" : "")")
        } catch {
            lines.append("CAM head: none — \(error)")
        }
        return lines.joined(separator: "\n")
    }

    /// The table `cam model --layers` prints: every feature map a map can be computed at, from
    /// the input to the output, with its index from the output and the default marked.
    public static func describeLayers(path: String, size: Int?) throws -> String {
        let classifier = try Classifier(modelPath: path)
        let side = size ?? classifier.config.inputSize
        let layers = try LayerCatalog.layers(of: classifier, size: side)
        var lines = ["layers of \(path) at \(side)x\(side) (--layer takes the name or the index; * = default, the head's features):",
                     "index  shape            op                   name"]
        for layer in layers {
            let shape = layer.shape.map(String.init).joined(separator: "x")
            lines.append(String(format: "%5d%@ ", layer.fromOutput, layer.isDefault ? "*" : " ") + shape.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + " " + layer.op.padding(toLength: 20, withPad: " ", startingAt: 0) + " " + layer.name)
        }
        return lines.joined(separator: "\n")
    }
}

