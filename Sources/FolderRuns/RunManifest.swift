import CAMKit
import Foundation
import ImageIO

/// manifest.json: what made a run's outputs (tool, model, method, every setting, the inputs as
/// given) and how many inputs it had. Written by `cam explain`, compared and summed by
/// `cam merge`. Schema version 1; keys in snake_case.
public struct RunManifest: Codable, Sendable, Equatable {
    /// The model, fingerprinted by its bytes' SHA-256.
    public struct Model: Codable, Sendable, Equatable {
        public var path: String
        public var name: String
        public var sha256: String
        public var featureTensor: String
        public var classes: Int
    }

    /// The preprocessing and the explanation settings.
    public struct Settings: Codable, Sendable, Equatable {
        public var resize: ResizeMode
        public var inputSize: Int
        public var stride: Int
        public var interpolation: ModelSidecar.Interpolation
        public var mean: [Float]
        public var std: [Float]
        public var topK: Int
        /// `--class`, when given.
        public var classIndex: Int?
        public var colormap: Colormap
        public var alpha: Float
        public var threshold: Float?
        public var boxThreshold: Float
        public var boxes: Bool
        public var pngLevel: String
        /// The overlays' file format, and the quality of a lossy one (null for PNG).
        public var format: String = OverlayFormat.png.rawValue
        public var quality: Int?
        public var normalisation = "relu, min-max"
        public var upsampling = "bilinear, half-pixel centres"

        enum CodingKeys: String, CodingKey {
            case resize, inputSize, stride, interpolation, mean, std, topK, classIndex = "class", colormap, alpha, threshold
            case boxThreshold, boxes, pngLevel, format, quality, normalisation, upsampling
        }

        /// Every key is written, unset ones as null, so that the manifest's keys never vary.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(resize, forKey: .resize)
            try c.encode(inputSize, forKey: .inputSize)
            try c.encode(stride, forKey: .stride)
            try c.encode(interpolation, forKey: .interpolation)
            try c.encode(mean, forKey: .mean)
            try c.encode(std, forKey: .std)
            try c.encode(topK, forKey: .topK)
            try c.encode(classIndex, forKey: .classIndex)
            try c.encode(colormap, forKey: .colormap)
            try c.encode(alpha, forKey: .alpha)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(boxThreshold, forKey: .boxThreshold)
            try c.encode(boxes, forKey: .boxes)
            try c.encode(pngLevel, forKey: .pngLevel)
            try c.encode(format, forKey: .format)
            try c.encode(quality, forKey: .quality)
            try c.encode(normalisation, forKey: .normalisation)
            try c.encode(upsampling, forKey: .upsampling)
        }
    }

    /// Which shard of a split run this is.
    public struct ShardTag: Codable, Sendable, Equatable {
        public var index: Int
        public var count: Int
    }

    public var schemaVersion = 1
    public var tool = "camkit"
    public var version = CAMKitVersion.string
    public var model: Model
    public var method: CAMMethod
    public var eigenSmooth: Bool
    public var augSmooth: Bool
    /// The layers the maps were computed at (fused when several); absent for the head's features.
    public var layers: [String]?
    /// The pixel attributions' knobs, for those methods only.
    public var pixel: PixelAttribution.Options?
    /// rollout's knobs, for rollout only.
    public var rollout: AttentionRollout.Options?
    public var settings: Settings
    /// The input paths as given, and whether folders were descended: shards of other inputs
    /// must not merge.
    public var roots: [String]
    public var recursive: Bool
    /// Inputs with a record, inputs that failed, inputs skipped (not images).
    public var inputs: Int
    public var failed: Int
    public var skipped: Int
    public var shard: ShardTag?

    /// The settings of a run of `classifier` with `settings` (counts zero until the run ends).
    public init(classifier: Classifier, settings: ExplainSettings, roots: [String], recursive: Bool, shard: Shard?) {
        let c = classifier.config, o = settings.overlay
        model = Model(path: classifier.modelPath, name: c.name ?? (classifier.modelPath as NSString).lastPathComponent,
                      sha256: classifier.modelSHA256, featureTensor: classifier.head.featureName, classes: classifier.head.classes)
        method = settings.method
        eigenSmooth = settings.eigenSmooth
        augSmooth = settings.augSmooth
        layers = settings.layers.isEmpty || settings.layers == [classifier.head.featureName] ? nil : settings.layers
        pixel = CAMMethod.pixelMethods.contains(settings.method) ? settings.pixel : nil
        rollout = settings.method == .rollout ? settings.rollout : nil
        self.settings = Settings(resize: c.resize, inputSize: c.inputSize, stride: c.stride, interpolation: c.interpolation,
                                 mean: c.mean, std: c.std, topK: settings.topK, classIndex: settings.classIndex,
                                 colormap: o.colormap, alpha: o.alpha, threshold: o.threshold, boxThreshold: settings.boxThreshold,
                                 boxes: settings.drawBoxes, pngLevel: settings.pngLevel.rawValue, format: settings.overlayFormat.rawValue,
                                 quality: settings.overlayFormat == .png ? nil : settings.quality)
        self.roots = roots
        self.recursive = recursive
        inputs = 0
        failed = 0
        skipped = 0
        self.shard = shard.map { ShardTag(index: $0.index, count: $0.count) }
    }

    /// Dotted names of the fields in which two runs' settings differ, leaving out what differs
    /// between the shards of one run: the counts, the shard, the model's path (its SHA-256 counts).
    public func differences(from other: RunManifest) -> [String] {
        func comparable(_ m: RunManifest) -> [String: Any] {
            var m = m
            (m.inputs, m.failed, m.skipped, m.shard, m.model.path) = (0, 0, 0, nil, "")
            return (try? JSONSerialization.jsonObject(with: RunManifest.encoder.encode(m))) as? [String: Any] ?? [:]
        }
        return Self.differingKeys(comparable(self), comparable(other))
    }

    static func differingKeys(_ a: [String: Any], _ b: [String: Any], prefix: String = "") -> [String] {
        var out: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            if let x = a[key] as? [String: Any], let y = b[key] as? [String: Any] {
                out += differingKeys(x, y, prefix: prefix + key + ".")
            } else if canonical(a[key]) != canonical(b[key]) {
                out.append(prefix + key)
            }
        }
        return out
    }

    static func canonical(_ value: Any?) -> Data? {
        guard let value else { return nil }
        return try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
    }

    /// Pretty, sorted, snake_case JSON.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }

    /// Reads a manifest; `path` names the file in errors.
    public static func parse(_ data: Data, path: String) throws(CAMError) -> RunManifest {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        do { return try d.decode(RunManifest.self, from: data) } catch {
            throw .mergeFailed(path: path, detail: "not a camkit manifest of schema version 1 (\(error))")
        }
    }
}

extension RunManifest.Settings {
    /// Manifests written before overlay formats existed have no `format` (PNG) or `quality`:
    /// their shards still merge with newer ones.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(resize: try c.decode(ResizeMode.self, forKey: .resize), inputSize: try c.decode(Int.self, forKey: .inputSize),
                  stride: try c.decode(Int.self, forKey: .stride),
                  interpolation: try c.decode(ModelSidecar.Interpolation.self, forKey: .interpolation),
                  mean: try c.decode([Float].self, forKey: .mean), std: try c.decode([Float].self, forKey: .std),
                  topK: try c.decode(Int.self, forKey: .topK), classIndex: try c.decodeIfPresent(Int.self, forKey: .classIndex),
                  colormap: try c.decode(Colormap.self, forKey: .colormap), alpha: try c.decode(Float.self, forKey: .alpha),
                  threshold: try c.decodeIfPresent(Float.self, forKey: .threshold),
                  boxThreshold: try c.decode(Float.self, forKey: .boxThreshold), boxes: try c.decode(Bool.self, forKey: .boxes),
                  pngLevel: try c.decode(String.self, forKey: .pngLevel),
                  format: try c.decodeIfPresent(String.self, forKey: .format) ?? OverlayFormat.png.rawValue,
                  quality: try c.decodeIfPresent(Int.self, forKey: .quality),
                  normalisation: try c.decode(String.self, forKey: .normalisation), upsampling: try c.decode(String.self, forKey: .upsampling))
    }
}
