import CAMKit
import ImageIO
import Inference

/// One photo from its file's bytes to its explanation, overlays and record: what `cam explain`
/// does per photo and `cam serve` per request, in one place so that both give the same bytes.
public struct PhotoPipeline: Sendable {
    public let classifier: Classifier
    public let settings: ExplainSettings
    /// Written into each overlay's "Comment" (`overlayComment`).
    public let comment: String

    public init(classifier: Classifier, settings: ExplainSettings) {
        self.classifier = classifier
        self.settings = settings
        comment = Self.overlayComment(classifier: classifier, settings: settings)
    }

    /// What made an overlay's pixels (camkit's version, the model's SHA-256, its preprocessing,
    /// the method, layer and the overlay settings), hashed: `--skip-existing` keeps only overlays
    /// the current settings would draw the same.
    public static func overlayComment(classifier: Classifier, settings s: ExplainSettings) -> String {
        let c = classifier.config, o = s.overlay
        let recipe = [CAMKitVersion.string, classifier.modelSHA256, c.resize.rawValue, String(c.inputSize), String(c.stride),
                      c.interpolation.rawValue, c.channelOrder.rawValue, "\(c.mean)", "\(c.std)", s.method.rawValue,
                      "\(s.eigenSmooth)", "\(s.augSmooth)", o.colormap.rawValue, "\(o.alpha)", "\(o.threshold.map { "\($0)" } ?? "none")",
                      "\(s.drawBoxes)", "\(s.boxThreshold)", s.layers.isEmpty ? "head" : s.layers.joined(separator: ","),
                      CAMMethod.pixelMethods.contains(s.method) ? "\(s.pixel)" : ""]
            // The file format joins the recipe only when it is not PNG: PNG overlays written
            // before formats existed keep their fingerprint.
            + (s.overlayFormat == .png ? [] : [s.overlayFormat.rawValue, String(s.quality)])
        return "camkit overlay settings " + String(SHA256.hex(of: Array(recipe.joined(separator: "|").utf8)).prefix(32))
    }

    /// Decodes `bytes` (`path` names them in errors) and explains the photo.
    public func explain(bytes: [UInt8], path: String, session: ClassifierSession, times: StageTimes = StageTimes()) throws -> PhotoExplanation {
        let photo = try decode(bytes: bytes, path: path, times: times)
        return try Explainer.explain(photo, session: session, settings: settings, times: times)
    }

    /// Decodes `bytes` and classifies the photo: the top-k predictions alone, no map.
    public func classify(bytes: [UInt8], path: String, session: ClassifierSession) throws -> (photo: RGBImage, predictions: [Prediction]) {
        let photo = try decode(bytes: bytes, path: path)
        return (photo, try Explainer.predictions(photo, session: session, topK: settings.topK))
    }

    func decode(bytes: [UInt8], path: String, times: StageTimes = StageTimes()) throws(ImageError) -> RGBImage {
        try times.measure(.decode) { () throws(ImageError) -> RGBImage in try ImageDecoder.decode(bytes: bytes, path: path, options: settings.decode) }
    }

    /// The overlay of one class's map on the photo, with its box when the settings draw boxes.
    public func overlay(_ e: PhotoExplanation, _ map: ClassMap, times: StageTimes = StageTimes()) -> RGBImage {
        var image = times.measure(.overlay) { settings.overlay.render(photo: e.photo, map: map.photoMap) }
        if settings.drawBoxes, let box = map.localisation.box { Overlay.drawBox(&image, box: box) }
        return image
    }

    /// The encoder of every overlay (its comment is part of the bytes).
    public var encoder: OverlayEncoder {
        OverlayEncoder(format: settings.overlayFormat, quality: settings.quality, pngLevel: settings.pngLevel,
                       software: "camkit \(CAMKitVersion.string)", comment: comment)
    }

    /// The record of an explained photo named `relative`; `raw` gives a class's raw-map path
    /// when one was saved.
    public func record(relative: String, _ e: PhotoExplanation, raw: (ClassMap) -> String? = { _ in nil }) -> ResultRecord {
        let explained = e.maps.map { m in
            ExplainedClass(index: m.index, label: classifier.label(m.index), overlay: overlayName(relative: relative, m), raw: raw(m),
                           box: m.localisation.box, peak: m.localisation.peak, flat: m.flat, massInBox: m.massInBox)
        }
        let g = e.geometry
        return ResultRecord(input: relative, status: .ok, width: e.photo.width, height: e.photo.height,
                            modelInput: .init(width: g.inputWidth, height: g.inputHeight, resize: g.mode),
                            predictions: e.predictions, explained: explained)
    }

    /// "<relative>.<index>-<label>.cam.png" (or .cam.jpg, .cam.webp).
    public func overlayName(relative: String, _ map: ClassMap) -> String {
        OutputNames.overlay(relative: relative, index: map.index, label: classifier.label(map.index), format: settings.overlayFormat)
    }
}
