@testable import CAMKit
import Foundation
import ImageIO
import Testing
import TestSupport

/// Maps with a known right answer: a tiny ViT, a tiny Swin and a tiny CNN trained on synthetic
/// 64×64 images whose class is the kind of one shape drawn at a random place on clutter
/// (Scripts/fixtures/make_known_answer_models.py). On 240 held-out images each method's map must
/// peak inside the shape (its box widened by 2 pixels, the generator's rule for
/// pytorch-grad-cam's maps) — random weights prove the arithmetic, these prove the picture.
@Suite("maps with a known right answer")
struct KnownAnswerTests {
    static var manifest: [String: Any] { try! Fixtures.json("known_answer/boxes.json") }

    struct Case: CustomTestStringConvertible, Sendable {
        let model: String, method: CAMMethod
        var layer: String? = nil
        var testDescription: String { "\(model) \(method.rawValue)" + (layer.map { " at \($0)" } ?? "") }
    }

    /// The Swin's last block (its 16×16 token grid before the head's LayerNorm).
    static let swinLastBlock = "/features/features.1/features.1.1/Add_1_output_0"

    /// The held-out images: the generator's 40 fixture images (boxes.json, with pytorch-grad-cam's
    /// reference peaks) and the first 200 of its test set (test.json, from
    /// Scripts/fixtures/make_known_answer_testset.py). 40 alone put a rate within about ±10 %.
    static var heldOut: [[String: Any]] {
        let test = try! Fixtures.json("known_answer/test.json")
        return (manifest["images"] as! [[String: Any]]) + (test["images"] as! [[String: Any]])
    }

    /// Methods that localise the shape on ≥ 90 % of the 240 held-out images (measured, camkit at
    /// the default layer unless named: CNN all ≥ 99.6 %; ViT rollout 95.4 %, gradient rollout
    /// 95.4 %, Eigen-CAM 97.5 %; Swin CAM 92.5 %, Grad-CAM 92.5 % (97.9 % at the last block),
    /// Grad-CAM++ 96.7 %, HiResCAM 92.5 %, LayerCAM 95.0 %, Eigen-CAM 93.3 % (94.6 % at the last
    /// block), Score-CAM 93.8 %). Eigen-CAM's rows are its sign rule's test: with the sign of
    /// positive covariance with the channel sum (the rule before the skew) they were ViT 25 %,
    /// Swin 65 % on the 40 fixture images. Not here, because they do not reach 90 % — on the ViT,
    /// whose class token reads the tokens through attention, Grad-CAM 69.2 %, Grad-CAM++ 64.6 %,
    /// HiResCAM 80.8 %, LayerCAM 79.2 % (pytorch-grad-cam's Grad-CAM the same, image by image:
    /// `gradCAMAsTheReference`).
    static let localising: [Case] = ["cam", "gradcam", "gradcampp", "hirescam", "layercam", "eigencam", "scorecam"].map {
        Case(model: "cnn", method: CAMMethod(rawValue: $0)!)
    } + [Case(model: "vit", method: .rollout), Case(model: "vit", method: .gradrollout), Case(model: "vit", method: .eigencam)]
      + ["cam", "gradcam", "gradcampp", "hirescam", "layercam", "eigencam", "scorecam"].map {
        Case(model: "swin", method: CAMMethod(rawValue: $0)!)
    } + [Case(model: "swin", method: .gradcam, layer: swinLastBlock), Case(model: "swin", method: .eigencam, layer: swinLastBlock)]

    /// The map's peak and whether it is in the shape, per held-out image (nil: a flat map).
    static func peaks(_ c: Case, images: [[String: Any]] = heldOut) throws -> [(peak: [Int]?, hit: Bool)] {
        let classifier = try Classifier(modelPath: Fixtures.path("known_answer/\(c.model).onnx"))
        let session = classifier.makeSession()
        var settings = ExplainSettings()
        settings.method = c.method
        if let layer = c.layer { settings.layers = [layer] }
        return try images.map { image in
            let photo = try ImageDecoder.decode(path: Fixtures.path("known_answer/" + (image["file"] as! String)))
            let e = try Explainer.explain(photo, session: session, settings: settings)
            guard let peak = e.maps.first?.localisation.peak else { return (nil, false) }
            let box = image["box"] as! [Int], margin = 2   // [x0, y0, x1, y1], x1 and y1 exclusive
            return (peak, peak[0] >= box[0] - margin && peak[0] < box[2] + margin && peak[1] >= box[1] - margin && peak[1] < box[3] + margin)
        }
    }

    @Test func listIsComplete() throws {
        try requireCount(Self.localising, atLeast: 19, "localising cases")
        try requireCount(Self.heldOut, atLeast: 240, "held-out images")
    }

    @Test("the map peaks inside the shape on 90 % of the images", arguments: localising)
    func peakInShape(c: Case) throws {
        let hits = try Self.peaks(c).filter(\.hit).count, n = Self.heldOut.count
        #expect(within(1 - Double(hits) / Double(n), 0.1, "knownAnswer.miss.\(c.model).\(c.method.rawValue)"), "\(c): \(hits) of \(n)")
    }

    /// Grad-CAM on the ViT localises far less often — in pytorch-grad-cam 1.5.7 too (24 of 40;
    /// the Swin 39 of 40 at `features[-1][-1]`): there the claim is that camkit's picture is the
    /// reference's, image by image (the generator stored its peaks; the two upsamplers,
    /// bilinear both, may put a peak on a neighbouring pixel).
    @Test(arguments: [Case(model: "vit", method: .gradcam), Case(model: "swin", method: .gradcam, layer: swinLastBlock)])
    func gradCAMAsTheReference(c: Case) throws {
        let images = try #require(Self.manifest["images"] as? [[String: Any]])
        let ours = try Self.peaks(c, images: images)
        var agree = 0
        for (image, mine) in zip(images, ours) {
            let ref = ((image["models"] as! [String: Any])[c.model] as! [String: Any])
            let refHit = ref["gradcam_peak_in_box"] as! Bool, refPeak = ref["gradcam_peak"] as? [Int]
            let near = refPeak.map { r in mine.peak.map { abs($0[0] - r[0]) <= 1 && abs($0[1] - r[1]) <= 1 } ?? false } ?? (mine.peak == nil)
            if near || mine.hit == refHit { agree += 1 }
        }
        #expect(within(1 - Double(agree) / Double(images.count), 0.05, "knownAnswer.disagree.\(c.model).gradcam"), "\(c): \(agree) of \(images.count) agree")
    }
}
