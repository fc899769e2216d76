import Foundation

/// How a photo becomes the model's input tensor: read from `<model>.onnx.json`, flags, or a preset.
/// Schema version 1 (documented in the README).
public struct ModelSidecar: Codable, Sendable, Equatable {
    public var schemaVersion: Int = 1
    public var name: String?
    public var source: String?
    public var license: String?
    /// Shorter side (full/crop) or both sides (stretch) of the model input.
    public var inputSize: Int = 224
    public var resize: ResizeMode = .full
    public var interpolation: Interpolation = .bicubic
    /// On the 0–255 scale, per RGB channel.
    public var mean: [Float] = [127, 127, 127]
    public var std: [Float] = [128, 128, 128]
    public var channelOrder: ChannelOrder = .rgb
    /// Model input sides are rounded to a multiple of this in `full` mode.
    public var stride: Int = 32
    /// Labels file, relative to the sidecar.
    public var labels: String?

    /// Interpolation for resizing photos to the model input.
    public enum Interpolation: String, Codable, Sendable { case bilinear, bicubic }
    /// Channel order of the input tensor.
    public enum ChannelOrder: String, Codable, Sendable {
        case rgb = "RGB", bgr = "BGR"
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", name, source, license, inputSize = "input_size", resize, interpolation
        case mean, std, channelOrder = "channel_order", stride, labels
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decodeIfPresent(Int.self, forKey: .schemaVersion) ?? 1
        name = try c.decodeIfPresent(String.self, forKey: .name)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        license = try c.decodeIfPresent(String.self, forKey: .license)
        inputSize = try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? 224
        resize = try c.decodeIfPresent(ResizeMode.self, forKey: .resize) ?? .full
        interpolation = try c.decodeIfPresent(Interpolation.self, forKey: .interpolation) ?? .bicubic
        mean = try c.decodeIfPresent([Float].self, forKey: .mean) ?? [127, 127, 127]
        std = try c.decodeIfPresent([Float].self, forKey: .std) ?? [128, 128, 128]
        channelOrder = try c.decodeIfPresent(ChannelOrder.self, forKey: .channelOrder) ?? .rgb
        stride = try c.decodeIfPresent(Int.self, forKey: .stride) ?? 32
        labels = try c.decodeIfPresent(String.self, forKey: .labels)
    }

    /// Named normalisation recipes.
    public enum Preset: String, CaseIterable, Sendable {
        /// torchvision's ImageNet mean/std.
        case imagenet
        /// Inception-style: (x − 127.5) / 127.5.
        case inception
        /// EfficientNet-Lite: (x − 127) / 128.
        case lite

        public var meanStd: (mean: [Float], std: [Float]) {
            switch self {
            case .imagenet: return ([0.485 * 255, 0.456 * 255, 0.406 * 255], [0.229 * 255, 0.224 * 255, 0.225 * 255])
            case .inception: return ([127.5, 127.5, 127.5], [127.5, 127.5, 127.5])
            case .lite: return ([127, 127, 127], [128, 128, 128])
            }
        }
    }

    /// The model input sizes camkit accepts, from a sidecar or `--size`.
    public static let inputSizeRange = 8...4096
    /// The strides camkit accepts.
    static let strideRange = 1...512

    /// Parses sidecar JSON; `path` names the file in errors.
    public static func parse(_ data: Data, path: String) throws(CAMError) -> ModelSidecar {
        let sidecar: ModelSidecar
        do { sidecar = try JSONDecoder().decode(ModelSidecar.self, from: data) } catch {
            throw .badSidecar(path: path, detail: "\(error)")
        }
        try sidecar.validate(path: path)
        return sidecar
    }

    /// Refuses values that would make preprocessing meaningless or unbounded.
    func validate(path: String) throws(CAMError) {
        func bad(_ detail: String) -> CAMError { .badSidecar(path: path, detail: detail) }
        guard schemaVersion == 1 else { throw bad("schema_version \(schemaVersion) (this camkit reads 1)") }
        guard Self.inputSizeRange.contains(inputSize) else { throw bad("input_size \(inputSize) outside \(Self.inputSizeRange)") }
        guard Self.strideRange.contains(stride) else { throw bad("stride \(stride) outside \(Self.strideRange)") }
        guard mean.count == 3, std.count == 3 else { throw bad("mean and std need 3 values each") }
        guard mean.allSatisfy({ $0.isFinite }), std.allSatisfy({ $0.isFinite && $0 != 0 }) else { throw bad("mean/std must be finite and std non-zero") }
        if let labels, labels.hasPrefix("/") || labels.split(separator: "/").contains("..") {
            throw bad("labels path '\(labels)' must stay beside the model")
        }
    }

    /// Reads `<model>.json` beside the model if present.
    static func load(besideModel modelPath: String) throws -> ModelSidecar? {
        let path = modelPath + ".json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try parse(data, path: path)
    }
}
