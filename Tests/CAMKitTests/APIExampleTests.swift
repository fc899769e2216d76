import CAMKit
import Foundation
import ImageIO
import Testing
import TestSupport

/// The README's Swift example ("The library in Swift") compiled and run as part of the suite:
/// the lines between the markers are the README's from `let classifier` on, character for
/// character (the first test checks it), with its paths as parameters.
@Suite("the README's Swift example")
struct APIExampleTests {
    static func example(modelPath: String, photoPath: String, outputPath: String) throws {
        // README example begins
        let classifier = try Classifier(modelPath: modelPath)
        let session = classifier.makeSession()           // one per thread; keeps its plans
        let photo = try ImageDecoder.decode(path: photoPath)
        var settings = ExplainSettings()
        settings.topK = 3
        settings.method = .gradcam                      // or .cam (default), .scorecam, .layercam, …
        let explanation = try Explainer.explain(photo, session: session, settings: settings)
        for p in explanation.predictions {
            print(p.label, p.probability)               // e.g. "Egyptian cat 0.36"
        }
        let top = explanation.maps[0]
        print("box:", top.localisation.box?.values ?? [])   // [x0, y0, x1, y1] in photo pixels
        let overlay = settings.overlay.render(photo: photo, map: top.photoMap)
        try PNGEncoder(level: .fast).write(overlay, to: outputPath)
        // README example ends
    }

    static func lines(_ text: String, from begin: String, to end: String) -> [String] {
        let all = text.components(separatedBy: "\n")
        guard let b = all.firstIndex(where: { $0.contains(begin) }), let e = all[(b + 2)...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(end) }) else { return [] }
        return all[(b + 1)..<e].map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func theReadmeShowsThisCode() throws {
        let readme = try String(contentsOfFile: Command.repository + "/README.md", encoding: .utf8)
        let ours = try String(contentsOfFile: Command.repository + "/Tests/CAMKitTests/APIExampleTests.swift", encoding: .utf8)
        // The README's block: the marker, the fence, the code, the closing fence.
        let shown = Self.lines(readme, from: "<!-- swift example -->", to: "```").drop { !$0.hasPrefix("let classifier") }
        let tested = Self.lines(ours, from: "// README example begins", to: "// README example ends")
        #expect(!tested.isEmpty && Array(shown) == tested, "README:\n\(shown.joined(separator: "\n"))\ntest:\n\(tested.joined(separator: "\n"))")
    }

    /// Run on the shipped model: the overlay it writes has the pixels of `cam explain`'s for the
    /// same settings.
    @Test func theExampleRunsAndDrawsWhatCamExplainDraws() throws {
        let out = try temporaryFolder("api-example")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let root = Command.repository
        try Self.example(modelPath: root + "/Samples/models/efficientnet_lite0.onnx", photoPath: root + "/Samples/images/chelsea.png",
                         outputPath: out + "/chelsea.cam.png")
        let cli = try Command.run("cam", ["explain", "Samples/images/chelsea.png", "--method", "gradcam", "--out", out + "/cli", "--quiet"], in: root)
        #expect(cli.status == 0, "\(cli.stderr)")
        let ours = try ImageDecoder.decode(path: out + "/chelsea.cam.png")
        let theirs = try ImageDecoder.decode(path: out + "/cli/chelsea.png.285-egyptian-cat.cam.png")
        #expect(ours == theirs)
    }
}
