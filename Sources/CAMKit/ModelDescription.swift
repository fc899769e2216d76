import Foundation

/// A loaded classifier as data: its input and preprocessing, classes and labels, CAM head,
/// token grid, layers, and the methods and colormaps camkit offers. `cam model --json` prints
/// it; `cam serve` answers GET /v1/model with it.
public struct ModelDescription: Encodable, Sendable {
    struct Input: Encodable, Sendable {
        let name: String, size: Int, resize: String, interpolation: String, channelOrder: String, mean: [Float], std: [Float]
        enum CodingKeys: String, CodingKey { case name, size, resize, interpolation, channelOrder = "channel_order", mean, std }
    }
    struct Head: Encodable, Sendable {
        let features: String, logits: String, linear: Bool, classToken: Bool, camError: String?
        enum CodingKeys: String, CodingKey { case features, logits, linear, classToken = "class_token", camError = "cam_error" }
    }
    struct Layer: Encodable, Sendable {
        let name: String, shape: [Int], op: String, fromOutput: Int, isDefault: Bool
        enum CodingKeys: String, CodingKey { case name, shape, op, fromOutput = "from_output", isDefault = "default" }
    }
    let name: String, sha256: String, input: Input, classes: Int, labels: [String], head: Head
    let tokenGrid: String?, layers: [Layer], methods: [String], colormaps: [String]
    enum CodingKeys: String, CodingKey {
        case name, sha256, input, classes, labels, head, tokenGrid = "token_grid", layers, methods, colormaps
    }

    /// `layers` as `LayerCatalog.layers(of:size:)` lists them.
    public init(classifier c: Classifier, layers: [LayerInfo]) {
        let cfg = c.config
        name = cfg.name ?? URL(fileURLWithPath: c.modelPath).lastPathComponent
        sha256 = c.modelSHA256
        input = Input(name: c.inputName, size: cfg.inputSize, resize: cfg.resize.rawValue, interpolation: cfg.interpolation.rawValue,
                      channelOrder: cfg.channelOrder.rawValue, mean: cfg.mean, std: cfg.std)
        classes = c.head.classes
        labels = (0..<c.head.classes).map(c.label)
        head = Head(features: c.head.featureName, logits: c.head.logitsName, linear: c.head.isLinear, classToken: c.head.classToken,
                    camError: c.head.camError?.description)
        tokenGrid = c.tokenGrid?.description
        self.layers = layers.map { Layer(name: $0.name, shape: $0.shape, op: $0.op, fromOutput: $0.fromOutput, isDefault: $0.isDefault) }
        methods = CAMMethod.allCases.map(\.rawValue)
        colormaps = Colormap.allCases.map(\.rawValue)
    }
}
