import Foundation
import ONNX

/// `cam model --write-sidecar`: a first `<model>.onnx.json` from what the graph tells — the input
/// size when the graph fixes it (then `stretch`, as camkit feeds such a model without a sidecar),
/// else 224 and `full`; the stride from the head's feature map at that size — with the
/// normalisation left as ImageNet's and flagged, since no graph records it.
public enum SidecarDraft {
    /// What `cam model --write-sidecar` writes first in the file: JSON has no comments, and the
    /// sidecar reader ignores keys it does not know.
    static let comment = "Drafted by cam model --write-sidecar from the graph. mean, std, interpolation and channel_order are NOT in an ONNX graph: they are torchvision's ImageNet defaults here; set them to your training transforms (README, Model sidecar; docs/models.md)."

    public struct Draft: Sendable {
        public var sidecar: ModelSidecar
        /// One line per guess, for the terminal.
        public var notes: [String]
    }

    public static func make(modelPath: String) throws -> Draft {
        let model = try ONNXModel.load(path: modelPath)
        guard model.graph.inputs.count == 1, let input = model.graph.inputs.first, input.shape.count == 4 else {
            throw CAMError.unsupportedInput(detail: "\(modelPath): camkit needs one N×3×H×W image input")
        }
        if let channels = input.shape[1], channels != 3 {
            throw CAMError.unsupportedInput(detail: "\(modelPath): input '\(input.name)' has \(channels) channels; camkit feeds 3 (RGB or BGR)")
        }
        var s = ModelSidecar()
        s.name = ((modelPath as NSString).lastPathComponent as NSString).deletingPathExtension
        var notes: [String] = []
        switch (input.shape[2], input.shape[3]) {
        case let (h?, w?) where h == w:
            guard ModelSidecar.inputSizeRange.contains(h) else {
                throw CAMError.unsupportedInput(detail: "\(modelPath): input fixed at \(h)×\(w), outside \(ModelSidecar.inputSizeRange)")
            }
            s.inputSize = h
            s.resize = .stretch
            notes.append("input_size \(h), resize stretch: the graph fixes the input at \(h)×\(w) (crop also fits it; full does not)")
        case let (h?, w?):
            throw CAMError.unsupportedInput(detail: "\(modelPath): input fixed at \(h)×\(w); camkit feeds square inputs (crop, stretch) or free ones (full): export with a square or dynamic height and width")
        default:
            s.inputSize = 224
            s.resize = .full
            notes.append("input_size 224, resize full: the graph leaves height and width free (full keeps the whole photo; crop is torchvision's eval transform)")
        }
        let (mean, std) = ModelSidecar.Preset.imagenet.meanStd
        s.mean = mean
        s.std = std
        s.interpolation = .bilinear
        notes.append("mean \(mean), std \(std), interpolation bilinear, channel_order RGB: torchvision's ImageNet defaults, NOT read from the graph; check them")
        let classifier = try Classifier(modelPath: modelPath, ignoringSidecar: true) { $0 = s }
        if let head = try LayerCatalog.layers(of: classifier, size: s.inputSize).first(where: \.isDefault), head.shape[1] > 0 {
            let cells = head.shape[1]
            // A map that does not divide the input (unpadded convolutions) gives no clean
            // stride: keep the default and say so.
            if s.inputSize % cells == 0, ModelSidecar.strideRange.contains(s.inputSize / cells) {
                s.stride = s.inputSize / cells
                notes.append("stride \(s.stride): the head's feature map '\(head.name)' is \(cells)×\(head.shape[2]) at \(s.inputSize)×\(s.inputSize)")
            } else {
                notes.append("stride \(s.stride) (the default): the head's feature map '\(head.name)' is \(cells)×\(head.shape[2]) at \(s.inputSize)×\(s.inputSize), which does not divide it; check it")
            }
        }
        notes.append("labels: none; add \"labels\": \"<file>\" (one label per line, \(classifier.head.classes) lines) beside the model for names")
        return Draft(sidecar: s, notes: notes)
    }

    /// The file's text: the comment first, then the sidecar's fields.
    public static func json(_ sidecar: ModelSidecar) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let fields = try JSONSerialization.jsonObject(with: encoder.encode(sidecar)) as? [String: Any] ?? [:]
        var object = fields
        object["_comment"] = comment
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
