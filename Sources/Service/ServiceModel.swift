import CAMKit
import FolderRuns

/// The model a service was started with, loaded once: the classifier every worker shares, its
/// layers, the settings requests start from, and its description for GET /v1/model.
public struct ServiceModel: Sendable {
    public let classifier: Classifier
    public let layers: [LayerInfo]
    /// `cam explain`'s defaults (no flags) with the service's pixel limit.
    public let baseSettings: ExplainSettings
    /// GET /v1/model's body (the same as `cam model --json`), made once.
    let description: [UInt8]

    public init(classifier: Classifier, limits: ServiceLimits) throws {
        self.classifier = classifier
        layers = try LayerCatalog.layers(of: classifier, size: classifier.config.inputSize)
        var s = ExplainSettings()
        s.decode.maxPixels = limits.maxPixels
        baseSettings = s
        description = Array(try ReportWriter.encoder().encode(ModelDescription(classifier: classifier, layers: layers)))
    }
}
