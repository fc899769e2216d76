import CAMKit
import Foundation

/// The model a service was started with, loaded once: the classifier every worker shares, its
/// layers, the settings requests start from, and its description for GET /v1/model.
public struct ServiceModel: Sendable {
    public let classifier: Classifier
    public let layers: [LayerInfo]
    /// `cam explain`'s defaults (no flags) with the service's pixel limit.
    public let baseSettings: ExplainSettings

    public init(classifier: Classifier, limits: ServiceLimits) throws {
        self.classifier = classifier
        layers = try LayerCatalog.layers(of: classifier, size: classifier.config.inputSize)
        var s = ExplainSettings()
        s.decode.maxPixels = limits.maxPixels
        baseSettings = s
    }

    /// GET /v1/model's body.
    struct Description: Encodable {
        struct Input: Encodable {
            let name: String, size: Int, resize: String, interpolation: String, channelOrder: String, mean: [Float], std: [Float]
            enum CodingKeys: String, CodingKey { case name, size, resize, interpolation, channelOrder = "channel_order", mean, std }
        }
        struct Head: Encodable {
            let features: String, logits: String, linear: Bool, classToken: Bool, camError: String?
            enum CodingKeys: String, CodingKey { case features, logits, linear, classToken = "class_token", camError = "cam_error" }
        }
        struct Layer: Encodable {
            let name: String, shape: [Int], op: String, fromOutput: Int, isDefault: Bool
            enum CodingKeys: String, CodingKey { case name, shape, op, fromOutput = "from_output", isDefault = "default" }
        }
        let name: String, sha256: String, input: Input, classes: Int, labels: [String], head: Head
        let tokenGrid: String?, layers: [Layer], methods: [String], colormaps: [String]
        enum CodingKeys: String, CodingKey {
            case name, sha256, input, classes, labels, head, tokenGrid = "token_grid", layers, methods, colormaps
        }
    }

    var description: Description {
        let c = classifier, cfg = c.config
        return Description(
            name: cfg.name ?? URL(fileURLWithPath: c.modelPath).lastPathComponent, sha256: c.modelSHA256,
            input: .init(name: c.inputName, size: cfg.inputSize, resize: cfg.resize.rawValue, interpolation: cfg.interpolation.rawValue,
                         channelOrder: cfg.channelOrder.rawValue, mean: cfg.mean, std: cfg.std),
            classes: c.head.classes, labels: (0..<c.head.classes).map(c.label),
            head: .init(features: c.head.featureName, logits: c.head.logitsName, linear: c.head.isLinear, classToken: c.head.classToken,
                        camError: c.head.camError?.description),
            tokenGrid: c.tokenGrid?.description,
            layers: layers.map { .init(name: $0.name, shape: $0.shape, op: $0.op, fromOutput: $0.fromOutput, isDefault: $0.isDefault) },
            methods: CAMMethod.allCases.map(\.rawValue), colormaps: Colormap.allCases.map(\.rawValue))
    }
}
