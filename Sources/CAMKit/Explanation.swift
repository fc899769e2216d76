import ImageIO
import Inference

/// One prediction.
public struct Prediction: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var probability: Float
    public var logit: Float
}

/// One explained class of one photo.
public struct ExplainedClass: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    /// Path of the overlay PNG, relative to the output folder.
    public var overlay: String?
    /// Path of the raw map `.npy`, when saved.
    public var raw: String?
    public var box: [Int]?
    public var peak: [Int]?
    public var flat: Bool
    /// Share of the positive map mass inside the box.
    public var massInBox: Float?

    enum CodingKeys: String, CodingKey { case index, label, overlay, raw, box, peak, flat, massInBox = "mass_in_box" }
}

/// What camkit computed for one photo, before anything is written.
public struct PhotoExplanation: Sendable {
    public var photo: RGBImage
    public var geometry: Geometry
    public var predictions: [Prediction]
    public var maps: [ClassMap]
}

/// The map of one explained class, placed on the photo, with its box.
public struct ClassMap: Sendable {
    public var index: Int
    public var raw: ClassActivationMap
    public var photoMap: PhotoMap
    public var flat: Bool
    public var localisation: Localisation
    public var massInBox: Float?
}

/// Settings of an explanation run.
public struct ExplainSettings: Sendable {
    public var topK = 1
    /// Explain this class instead of the top ones.
    public var classIndex: Int?
    public var boxThreshold: Float = 0.2
    public var overlay = Overlay()
    public var drawBoxes = false
    public var saveRaw = false
    public var decode = DecodeOptions()
    public var method: CAMMethod = .cam
    /// Principal component of the weighted channels instead of their sum.
    public var eigenSmooth = false
    /// Average over flipped and intensity-scaled inputs (see `AugmentationSmoothing`).
    public var augSmooth = false
    /// Images per forward pass for Score-CAM.
    public var batchSize = 16
    /// How overlay PNGs are compressed.
    public var pngLevel: PNGEncoder.Level = .fast

    public init() {}
}

/// Raw maps of one photo's classes by the settings' method, with `--aug-smooth`'s extra passes
/// run once per photo.
public struct MapMaker {
    let input: MethodInput
    let options: MethodMap.Options
    let views: [AugmentationSmoothing.View]?
    let method: CAMMethod

    public init(session: ClassifierSession, input tensor: Tensor, logits: [Float], features: Tensor, head: CAMHead,
                settings: ExplainSettings, times: StageTimes = StageTimes()) throws {
        var options = MethodMap.Options()
        options.eigenSmooth = settings.eigenSmooth
        options.batchSize = settings.batchSize
        options.modelInput = tensor
        options.forward = { try session.logits(batch: $0) }
        options.scoreCache = ScoreCAM.Cache()
        self.options = options
        self.method = settings.method
        self.input = MethodInput(features: features, logits: logits, head: head, classIndex: 0)
        views = settings.augSmooth
            ? try times.measure(.forward) { try AugmentationSmoothing.views(of: tensor) { let r = try session.run($0); return (r.logits, r.features) } }
            : nil
    }

    /// The raw map of class `c` (for `--aug-smooth`, the average of the views' scaled maps).
    public func raw(_ c: Int) throws -> ClassActivationMap {
        guard let views else {
            return try MethodMap.raw(method, MethodInput(features: input.features, logits: input.logits, head: input.head, classIndex: c), options: options)
        }
        return try AugmentationSmoothing.average(views) { view in
            var o = options
            o.modelInput = view.input
            o.scoreCache = view.scoreCache
            return try MethodMap.raw(method, MethodInput(features: view.features, logits: view.logits, head: input.head, classIndex: c), options: o)
        }
    }
}

/// Photo → predictions → maps at photo resolution → localisation.
public enum Explainer {
    public static func explain(_ photo: RGBImage, session: ClassifierSession, settings: ExplainSettings,
                               times: StageTimes = StageTimes()) throws -> PhotoExplanation {
        let c = session.classifier
        let (tensor, geometry) = try times.measure(.preprocess) { () throws(CAMError) -> (Tensor, Geometry) in try Preprocessor(config: c.config).prepare(photo) }
        let (logits, features, head) = try times.measure(.forward) { try session.run(tensor) }
        let probabilities = softmax(logits)
        let order = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        let k = max(settings.topK, 1)
        let predictions = order.prefix(k).map { Prediction(index: $0, label: c.label($0), probability: probabilities[$0], logit: logits[$0]) }
        let classes = settings.classIndex.map { [$0] } ?? Array(order.prefix(k))
        let maker = try MapMaker(session: session, input: tensor, logits: logits, features: features, head: head, settings: settings, times: times)
        var maps: [ClassMap] = []
        for cls in classes { try times.measure(.map) {
            let raw = try maker.raw(cls)
            let (norm, flat) = raw.normalized()
            let photoMap = PhotoMap(normalized: norm, width: raw.width, height: raw.height, geometry: geometry)
            let (loc, mass) = flat ? (Localisation(box: nil, peak: nil), nil) : photoMap.localise(threshold: settings.boxThreshold)
            maps.append(ClassMap(index: cls, raw: raw, photoMap: photoMap, flat: flat, localisation: loc, massInBox: mass))
        } }
        return PhotoExplanation(photo: photo, geometry: geometry, predictions: predictions, maps: maps)
    }

    public static func softmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        let e = x.map { expf($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Share of the positive map inside the (inclusive) box.
    static func massInside(_ map: [Float], width: Int, box: [Int]) -> Float {
        var total: Float = 0, inside: Float = 0
        for v in map where v > 0 { total += v }
        for y in box[1]...box[3] {
            let row = y * width
            for x in box[0]...box[2] where map[row + x] > 0 { inside += map[row + x] }
        }
        return total > 0 ? inside / total : 0
    }
}

#if canImport(Glibc)
import Glibc
#endif
