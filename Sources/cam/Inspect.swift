import ArgumentParser
import CAMKit
import Foundation
import ImageIO
import Inference

/// `cam inspect`: the top-k classes of one photo as a table, and a labelled grid of their maps.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print the top-k classes of one photo with boxes and write a grid PNG of their maps.")

    @Argument(help: "The photo.") var image: String
    @Option(name: .customLong("top-k"), help: "Classes to show.") var topK = 5
    @Option(help: "ONNX model (default: the shipped EfficientNet-Lite0).") var model: String?
    @Option(help: "Grid PNG to write (default: <out>/<photo name>.inspect.png).") var grid: String?
    @Option(help: "Output folder for the grid.") var out = "Output"
    @Option(help: "Colormap.") var colormap: Colormap = .jet

    func run() throws {
        let modelPath = model ?? DefaultModel.path()
        let classifier: Classifier
        do { classifier = try Classifier(modelPath: modelPath) } catch {
            Console.error("cam: \(modelPath): \(error)")
            throw ExitCode(2)
        }
        do {
            let photo = try ImageDecoder.decode(path: image)
            var settings = ExplainSettings()
            settings.topK = topK
            let e = try Explainer.explain(photo, session: classifier.makeSession(), settings: settings)
            print("rank  class                              prob     logit   box [x0,y0,x1,y1]        mass in box")
            var panels: [(RGBImage, String)] = []
            let overlay = Overlay(colormap: colormap)
            for (rank, m) in e.maps.enumerated() {
                let p = e.predictions.first { $0.index == m.index }!
                let box = m.localisation.box.map { "[\($0.map(String.init).joined(separator: ","))]" } ?? (m.flat ? "flat" : "-")
                let mass = m.massInBox.map { String(format: "%.2f", $0) } ?? "-"
                let name = "\(p.index) \(p.label)"
                print(String(format: "%4d  %@ %6.3f  %8.3f   %@ %@", rank + 1, name.padding(toLength: 34, withPad: " ", startingAt: 0),
                             p.probability, p.logit, box.padding(toLength: 24, withPad: " ", startingAt: 0), mass))
                var img = overlay.render(photo: photo, map: m.photoMap)
                if let b = m.localisation.box { Overlay.drawBox(&img, box: b) }
                panels.append((img, "\(rank + 1). \(p.label) \(String(format: "%.0f%%", p.probability * 100))"))
            }
            let path = grid ?? (out + "/" + (image as NSString).lastPathComponent + ".inspect.png")
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try PNGEncoder().write(InspectGrid.render(photo: photo, panels: panels), to: path)
            print("grid: \(path)")
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(1)
        }
    }
}
