@testable import CAMKit
import Foundation
import Inference
import Testing
import TestSupport

/// Saliency, Integrated Gradients, SmoothGrad, guided backpropagation and occlusion against captum 0.8.0
/// (Scripts/fixtures/make_pixel_fixtures.py) on torchvision resnet18 (fixture), the attribution
/// A [3, H, W] before any drawing, max|camkit − captum| / max|captum| ≤ 1e-4. SmoothGrad is fed
/// captum's own noise. The points are chosen with every ReLU and max-pool kink ≥ 3e-5 away.
/// Measured: 4.5e-7 (saliency), 7.1e-7 (integrated gradients), 5.9e-7 (SmoothGrad), 2.6e-7 (guided
/// backpropagation), 1.2e-6 (Guided Grad-CAM), 3.7e-6 and 7.3e-6 (occlusion), 4.1e-7 (FullGrad raw,
/// 1.9e-6 absolute on its picture), 9.9e-8 and 1.6e-7 (RISE).
@Suite("pixel attributions against captum")
struct PixelAttributionTests {
    nonisolated(unsafe) static let manifest = try? Fixtures.json("gradients/pixel.json")

    static func setup() throws -> (ClassifierSession, Tensor, Int, String) {
        let m = try #require(manifest, "gradients/pixel.json unreadable")
        let classifier = try Classifier(modelPath: Fixtures.path(m["model"] as! String))
        let x = try Fixtures.npy(m["input"] as! String).tensor()
        return (classifier.makeSession(), x, m["class"] as! Int, classifier.inputName)
    }

    static func reference(_ method: String) throws -> [Float] {
        let entry = try #require(manifest?[method] as? [String: Any])
        return try Fixtures.npy("gradients/" + (entry["file"] as! String)).tensor().data
    }

    static func attribution(_ method: CAMMethod, options: PixelAttribution.Options, noise: ((Int) -> [Float])? = nil) throws -> [Float] {
        let (session, x, c, input) = try setup()
        return try PixelAttribution.attribution(method, x: x, options: options, blackInput: [Float](repeating: 0, count: x.count),
                                                gradient: { try session.layerGradient($0, layer: input, classIndex: c).gradient.data }, noise: noise)
    }

    @Test func saliencyIsTheAbsoluteInputGradient() throws {
        let a = try Self.attribution(.saliency, options: PixelAttribution.Options())
        let err = relativeError(a, try Self.reference("saliency"))
        #expect(within(err, 1e-4, "pixel.saliency"), "relative error \(err)")
    }

    /// captum's riemann_trapezoid weights are 1/m (halved at the ends), which sum to (m−1)/m;
    /// camkit's are 1/(m−1), the trapezoid rule's: camkit = captum × m/(m−1) (`camkit_scale`).
    @Test func integratedGradientsFromTheZeroBaseline() throws {
        let entry = try #require(Self.manifest?["integratedgradients"] as? [String: Any])
        var o = PixelAttribution.Options()
        o.steps = entry["n_steps"] as! Int
        let a = try Self.attribution(.integratedgradients, options: o)
        let scale = Float(entry["camkit_scale"] as! Double)
        let err = relativeError(a, try Self.reference("integratedgradients").map { $0 * scale })
        #expect(within(err, 1e-4, "pixel.integratedgradients"), "relative error \(err)")
    }

    @Test func smoothGradWithCaptumsNoise() throws {
        let entry = try #require(Self.manifest?["smoothgrad"] as? [String: Any])
        let noise = try Fixtures.npy("gradients/" + (entry["noise"] as! String)).tensor()
        let per = noise.count / noise.shape[0]
        var o = PixelAttribution.Options()
        o.samples = noise.shape[0]
        let a = try Self.attribution(.smoothgrad, options: o) { i in Array(noise.data[(i * per)..<((i + 1) * per)]) }
        let err = relativeError(a, try Self.reference("smoothgrad"))
        #expect(within(err, 1e-4, "pixel.smoothgrad"), "relative error \(err)")
    }

    /// Guided backpropagation and Guided Grad-CAM through `MapMaker` (the path `cam explain`
    /// takes): the map Σ_channels A against the sum of captum's GuidedBackprop attribution and of
    /// pytorch-grad-cam's Grad-CAM × guided-backprop product.
    @Test(arguments: ["guidedbackprop", "guidedgradcam"])
    func guided(method: String) throws {
        let entry = try #require(Self.manifest?[method] as? [String: Any], "no \(method) fixture")
        let (session, x, c, _) = try Self.setup()
        let (logits, features, head) = try session.run(x)
        var settings = ExplainSettings()
        settings.method = try #require(CAMMethod(rawValue: method))
        let map = try MapMaker(session: session, input: x, logits: logits, features: features, head: head, settings: settings).raw(c)
        let a = try Fixtures.npy("gradients/" + (entry["file"] as! String)).tensor().data
        let n = map.width * map.height
        let reference = (0..<n).map { a[$0] + a[n + $0] + a[2 * n + $0] }
        let err = relativeError(map.values, reference)
        #expect(within(err, 1e-4, "pixel.\(method)"), "relative error \(err)")
    }

    /// Occlusion against captum's `Occlusion` (baseline 0, windows over all three channels), a
    /// window that tiles the 96×96 input and one whose last window is cut at the edge.
    @Test(arguments: ["occlusion", "occlusion_uneven"])
    func occlusion(key: String) throws {
        let entry = try #require(Self.manifest?[key] as? [String: Any], "no \(key) fixture")
        let (session, x, c, _) = try Self.setup()
        func side(_ v: Any?) -> Int { (v as? [Int])?.last ?? (v as? Int) ?? -1 }
        let a = try PixelAttribution.occlusion(x, classIndex: c, window: side(entry["window"]), stride: side(entry["stride"]), batchSize: 16) {
            try session.logits(batch: $0)
        }
        // captum's own forwards against onnxruntime's differ by 3.2e-6 and 7.7e-6 here (the
        // generator measured): the differences of two logits amplify rounding.
        let err = relativeError(a, try Self.reference(key))
        #expect(within(err, 1e-4, "pixel.\(key)"), "relative error \(err)")
    }

    /// FullGrad through `MapMaker` against pytorch-grad-cam's FullGrad on resnet18
    /// (Scripts/fixtures/make_fullgrad_fixture.py): the raw sum of the normalised input and
    /// bias-gradient channel maps, 3 + Σ over the 20 folded BatchNormalizations' channels.
    @Test func fullGrad() throws {
        let manifest = try Fixtures.json("gradients/fullgrad.json")
        let (session, x, c, _) = try Self.setup()
        #expect(manifest["class"] as? Int == c)
        let (logits, features, head) = try session.run(x)
        var settings = ExplainSettings()
        settings.method = .fullgrad
        let map = try MapMaker(session: session, input: x, logits: logits, features: features, head: head, settings: settings).raw(c)
        let reference = try Fixtures.npy("gradients/resnet18.fullgrad.raw.npy").tensor().data
        let err = relativeError(map.values, reference)
        #expect(within(err, 1e-4, "pixel.fullgrad"), "relative error \(err)")
        let picture = map.normalized().values, final = try Fixtures.npy("gradients/resnet18.fullgrad.npy").tensor().data
        let worst = zip(picture, final).map { abs($0 - $1) }.max()!
        #expect(within(worst, 1e-4, "pixel.fullgrad.picture"), "max |picture − pytorch-grad-cam| = \(worst)")
    }

    /// RISE against an independent numpy + onnxruntime implementation of the same definition
    /// (Scripts/fixtures/make_rise_fixture.py draws the same SplitMix64 masks): a grid that
    /// tiles the input and one that does not (96/5), two keep probabilities.
    @Test(arguments: ["rise", "rise_uneven"])
    func rise(key: String) throws {
        let manifest = try Fixtures.json("gradients/rise.json")
        let entry = try #require((manifest["cases"] as? [String: Any])?[key] as? [String: Any], "no \(key) case")
        let (session, x, c, _) = try Self.setup()
        var o = PixelAttribution.Options()
        o.riseMasks = entry["masks"] as! Int
        o.riseCells = entry["cells"] as! Int
        o.riseKeep = Float(entry["keep"] as! Double)
        o.seed = UInt64(entry["seed"] as! Int)
        let map = try RISE.map(x, classIndex: c, options: o, batchSize: 16) { try session.logits(batch: $0) }
        let err = relativeError(map.values, try Fixtures.npy("gradients/" + (entry["file"] as! String)).tensor().data)
        #expect(within(err, 1e-4, "pixel.\(key)"), "relative error \(err)")
    }
}

