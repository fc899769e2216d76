#if canImport(Glibc)
import Glibc
#endif
import ImageIO
import Inference

/// Photo → predictions → maps at photo resolution → localisation.
public enum Explainer {
    public static func explain(_ photo: RGBImage, session: ClassifierSession, settings: ExplainSettings,
                               times: StageTimes = StageTimes()) throws -> PhotoExplanation {
        let c = session.classifier
        let (tensor, geometry) = try times.measure(.preprocess) { () throws(CAMError) -> (Tensor, Geometry) in try Preprocessor(config: c.config).prepare(photo) }
        let (logits, features, head) = try times.measure(.forward) { try session.run(tensor) }
        let predictions = top(logits, k: settings.topK, classifier: c)
        let classes = settings.classIndex.map { [$0] } ?? predictions.map(\.index)
        let maker = try MapMaker(session: session, input: tensor, logits: logits, features: features, head: head, settings: settings, times: times)
        var maps: [ClassMap] = []
        for cls in classes { try times.measure(.map) {
            let raw = try maker.raw(cls)
            let (norm, flat) = raw.normalized()
            var photoMap = PhotoMap(normalized: norm, width: raw.width, height: raw.height, geometry: geometry)
            let (loc, mass, grid) = flat ? (Localisation(box: nil, peak: nil), nil, nil) : photoMap.localiseKeepingGrid(threshold: settings.boxThreshold)
            photoMap = photoMap.keepingPhotoSized(grid)
            maps.append(ClassMap(index: cls, raw: raw, photoMap: photoMap, flat: flat, localisation: loc, massInBox: mass))
        } }
        return PhotoExplanation(photo: photo, geometry: geometry, predictions: predictions, maps: maps)
    }

    /// The photo's top-k predictions alone (a forward pass, no map).
    public static func predictions(_ photo: RGBImage, session: ClassifierSession, topK: Int) throws -> [Prediction] {
        let (tensor, _) = try Preprocessor(config: session.classifier.config).prepare(photo)
        return top(try session.run(tensor).logits, k: topK, classifier: session.classifier)
    }

    /// The k (at least 1) highest logits, highest first (ties to the lower index), with softmax probabilities.
    static func top(_ logits: [Float], k: Int, classifier c: Classifier) -> [Prediction] {
        let probabilities = softmax(logits)
        let order = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        return order.prefix(max(k, 1)).map { Prediction(index: $0, label: c.label($0), probability: probabilities[$0], logit: logits[$0]) }
    }

    static func softmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        let e = x.map { expf($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Share of the positive map inside the (inclusive) box.
    /// Pointer loops with a select instead of a branch (the sign of a map value is a coin toss
    /// to the branch predictor); the sums keep raster order, so the value is the same float.
    static func massInside(_ map: [Float], width: Int, box: Box) -> Float {
        map.withUnsafeBufferPointer { m in
            func positiveSum(_ p: UnsafePointer<Float>, _ n: Int, _ start: Float) -> Float {
                var sum = start
                for i in 0..<n { let v = p[i]; sum += v > 0 ? v : 0 }
                return sum
            }
            let total = positiveSum(m.baseAddress!, m.count, 0)
            var inside: Float = 0
            for y in box.y0...box.y1 {
                inside = positiveSum(m.baseAddress! + y * width + box.x0, box.x1 - box.x0 + 1, inside)
            }
            return total > 0 ? inside / total : 0
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
