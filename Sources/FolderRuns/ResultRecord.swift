import CAMKit
/// How one input ended: explained, failed (with an error), or skipped (not an image).
public enum RecordStatus: String, Codable, Sendable {
    case ok, error, skipped
}

/// One line of results.jsonl.
public struct ResultRecord: Codable, Sendable {
    public struct ModelInput: Codable, Sendable {
        public var width: Int, height: Int, resize: ResizeMode
    }

    public var input: String
    public var status: RecordStatus
    public var error: String?
    public var width: Int?
    public var height: Int?
    public var modelInput: ModelInput?
    public var predictions: [Prediction]?
    public var explained: [ExplainedClass]?
    /// Path of the folder viewer's data for this photo (`<input>.cam.js`), relative to the output
    /// folder; written with `--html --save-raw`.
    public var view: String?

    enum CodingKeys: String, CodingKey {
        case input, status, error, width, height, modelInput = "model_input", predictions, explained, view
    }
}
