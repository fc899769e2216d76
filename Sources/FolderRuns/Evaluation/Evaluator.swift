import CAMKit
import FileIO
import Foundation
import ImageIO
import Inference

/// Settings of `cam eval`.
public struct EvaluationSettings: Sendable {
    /// Method, smoothing, batch size, box threshold τ and decode limits.
    public var explain = ExplainSettings()
    public var faithfulness = false
    /// Deletion/insertion steps S (k = ⌈HW/S⌉ pixels per step).
    public var steps = 100
    /// Where to write one picture per photo: the ground-truth class's map with the ground-truth
    /// boxes (green) and its τ-box (white); nil for none.
    public var overlayFolder: OutputFolder?
    public init() {}
}

/// Runs the explainer over annotated photos and scores its maps: localisation against the boxes
/// (top-1 loc, GT-known loc, MaxBoxAccV2) and, if asked, faithfulness (deletion/insertion AUC,
/// average drop/increase).
public struct Evaluator: Sendable {
    public let classifier: Classifier
    public let settings: EvaluationSettings

    public init(classifier: Classifier, settings: EvaluationSettings) {
        self.classifier = classifier
        self.settings = settings
    }

    /// Evaluates every annotated photo, `jobs` at a time (each worker with its own session);
    /// results come back in the ground truth's order, `progress` is called as each finishes.
    public func evaluateAll(_ truth: GroundTruth, photosFolder: String, jobs: Int,
                            progress: @escaping @Sendable (Int, ImageEvaluation) -> Void) -> [ImageEvaluation] {
        let files = truth.files
        return WorkerPool.map(count: files.count, workers: jobs, state: { classifier.makeSession() }) { session, i in
            evaluate(files[i], photoPath: photosFolder + "/" + files[i], objects: truth.objects[files[i]]!, session: session)
        } finished: { done, _, r in
            progress(done, r)
        }
    }

    public func evaluate(_ file: String, photoPath: String, objects: [GroundTruth.Object], session: ClassifierSession) -> ImageEvaluation {
        var result = ImageEvaluation(file: file)
        do {
            try evaluate(into: &result, photoPath: photoPath, objects: objects, session: session)
        } catch let error as ImageError {
            result.status = .error
            result.error = error.description
        } catch let error as CAMError {
            result.status = .error
            result.error = error.description
        } catch {
            result.status = .error
            result.error = "\(photoPath): \(error)"
        }
        return result
    }

    func evaluate(into r: inout ImageEvaluation, photoPath: String, objects: [GroundTruth.Object], session: ClassifierSession) throws {
        let photo = try ImageDecoder.decode(path: photoPath, options: settings.explain.decode)
        for o in objects where o.box.x1 >= photo.width || o.box.y1 >= photo.height {
            throw CAMError.badGroundTruth(path: o.source, detail: "box \(o.box) of \(r.file) lies outside its \(photo.width)×\(photo.height) photo")
        }
        r.label = objects.first?.label
        if let label = r.label {
            do { r.gtClass = try classifier.classIndex(named: label) } catch {
                throw CAMError.badGroundTruth(path: objects[0].source, detail: "label of \(r.file): \(error) — labels must match the model's labels file")
            }
        }
        let (tensor, geometry) = try Preprocessor(config: classifier.config).prepare(photo)
        let (logits, features, head) = try session.run(tensor)
        let top1 = logits.indices.max { logits[$0] != logits[$1] ? logits[$0] < logits[$1] : $0 > $1 }!
        r.top1 = top1
        r.top1Label = classifier.label(top1)
        let truth = objects.map(\.box)
        let maker = try MapMaker(session: session, input: tensor, logits: logits, features: features, head: head, settings: settings.explain)
        func photoMap(_ c: Int) throws -> (PhotoMap, Bool) {
            let raw = try maker.raw(c)
            let (norm, flat) = raw.normalized()
            return (PhotoMap(normalized: norm, width: raw.width, height: raw.height, geometry: geometry), flat)
        }
        func bestIoU(_ box: Box?) -> Double { box.map { b in truth.map { BoxAccuracy.iou(b, $0) }.max() ?? 0 } ?? 0 }
        let (topMap, topFlat) = try photoMap(top1)
        r.box = topFlat ? nil : topMap.localise(threshold: settings.explain.boxThreshold).0.box
        r.iou = bestIoU(r.box)
        r.top1Localised = r.gtClass == top1 && r.iou! >= 0.5
        let gtClass = r.gtClass ?? top1
        let (gtMap, gtFlat) = gtClass == top1 ? (topMap, topFlat) : try photoMap(gtClass)
        r.gtBox = gtFlat ? nil : gtMap.localise(threshold: settings.explain.boxThreshold).0.box
        r.gtIoU = bestIoU(r.gtBox)
        r.gtKnownLocalised = r.gtIoU! >= 0.5
        r.bestIoUs = Self.sweepIoUs(gtMap, truth: truth)
        if let folder = settings.overlayFolder {
            var image = settings.explain.overlay.render(photo: photo, map: gtMap)
            for b in truth { Overlay.drawBox(&image, box: b, color: (0, 230, 0), thickness: 3) }
            if let b = r.gtBox { Overlay.drawBox(&image, box: b) }
            let name = r.file + ".eval.png"
            try PNGEncoder(software: "camkit \(CAMKitVersion.string)").write(image, to: name, in: folder)
            r.overlay = name
        }
        if settings.faithfulness {
            let saliency = topMap.input
            let score: Faithfulness.Scorer = { batch in try session.logits(batch: batch).map { Faithfulness.probability($0, classIndex: top1) } }
            let order = Faithfulness.order(saliency)
            let b = settings.explain.batchSize
            r.deletion = try Faithfulness.deletion(tensor, order: order, steps: settings.steps, batchSize: b, score: score)
            r.insertion = try Faithfulness.insertion(tensor, order: order, steps: settings.steps, batchSize: b, score: score)
            (r.confidence, r.maskedConfidence) = try Faithfulness.maskedConfidence(tensor, saliency: saliency, score: score)
        }
    }

    /// Best IoUs over the threshold sweep, on the map sampled at photo resolution (or on the
    /// localisation grid for photos over 0.5 MP, with the boxes scaled to it).
    static func sweepIoUs(_ map: PhotoMap, truth: [Box]) -> [Double] {
        let pw = map.geometry.photoWidth, ph = map.geometry.photoHeight
        let (gw, gh) = map.localisationGrid
        let sx = Double(gw) / Double(pw), sy = Double(gh) / Double(ph)
        let scaled = truth.map { b in
            Box(x0: Int(Double(b.x0) * sx), y0: Int(Double(b.y0) * sy), x1: min(gw - 1, Int(Double(b.x1) * sx)), y1: min(gh - 1, Int(Double(b.y1) * sy)))
        }
        let values = map.sampled(width: gw, height: gh).map { max($0, 0) }
        return BoxAccuracy.bestIoUs(map: values, width: gw, height: gh, truth: scaled)
    }

    /// Aggregates per-image results.
    public func summarise(_ results: [ImageEvaluation]) -> (EvaluationSummary, BoxAccuracy.Sweep) {
        let ok = results.filter { $0.status == .ok }
        let n = Double(max(ok.count, 1))
        func share(_ f: (ImageEvaluation) -> Bool) -> Double { 100 * Double(ok.filter(f).count) / n }
        let sweep = BoxAccuracy.sweep(ok.compactMap(\.bestIoUs))
        var summary = EvaluationSummary(
            images: results.count, evaluated: ok.count, failed: results.count - ok.count,
            top1Accuracy: share { $0.gtClass != nil && $0.gtClass == $0.top1 },
            top1Localisation: share { $0.top1Localised == true }, gtKnownLocalisation: share { $0.gtKnownLocalised == true },
            maxBoxAccV2: sweep.maxBoxAccV2,
            boxAccuracy: Dictionary(uniqueKeysWithValues: zip(BoxAccuracy.deltas, sweep.best).map { (String(format: "%.1f", $0), 100 * $1) }),
            bestThreshold: Dictionary(uniqueKeysWithValues: zip(BoxAccuracy.deltas, sweep.bestThreshold).map { (String(format: "%.1f", $0), $1) }))
        if settings.faithfulness {
            let del = ok.compactMap(\.deletion), ins = ok.compactMap(\.insertion)
            summary.deletionAUC = del.map(\.auc).reduce(0, +) / n
            summary.insertionAUC = ins.map(\.auc).reduce(0, +) / n
            let pairs = ok.compactMap { r in r.confidence.flatMap { c in r.maskedConfidence.map { (original: c, masked: $0) } } }
            (summary.averageDrop, summary.increase) = Faithfulness.dropAndIncrease(pairs)
            summary.meanDeletion = Self.meanCurve(del.map(\.scores), points: settings.steps + 1)
            summary.meanInsertion = Self.meanCurve(ins.map(\.scores), points: settings.steps + 1)
        }
        return (summary, sweep)
    }

    /// Curves of different lengths (inputs of different sizes) resampled linearly on [0, 1] and averaged.
    static func meanCurve(_ curves: [[Double]], points: Int) -> [Double] {
        guard !curves.isEmpty else { return [] }
        return (0..<points).map { i in
            let x = Double(i) / Double(max(points - 1, 1))
            return curves.reduce(0.0) { sum, c in
                let pos = x * Double(c.count - 1), lo = Int(pos), hi = min(lo + 1, c.count - 1), t = pos - Double(lo)
                return sum + c[lo] * (1 - t) + c[hi] * t
            } / Double(curves.count)
        }
    }
}
