import ArgumentParser
import CAMKit
import FolderRuns
import FileIO
import Foundation
import ImageIO
import Inference

/// `cam inspect`: the top-k classes of one photo as a table, and a labelled grid of their maps.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print the top-k classes of one photo with boxes and write a grid PNG of their maps.")

    @Argument(help: "The photo.") var image: String
    @Option(name: .customLong("top-k"), help: "Classes to show (default 5, or the class count if fewer).") var topK: Int?
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup(title: "Pixel attributions") var pixelOptions: PixelOptions
    @OptionGroup(title: "Attention rollout") var attentionOptions: AttentionOptions
    @Option(help: "Grid PNG to write (default: <out>/<photo name>.inspect.png).") var grid: String?
    @Option(help: "Output folder for the grid.") var out = "Output"
    @Option(help: "Colormap.") var colormap: Colormap = .jet
    @Option(help: "Map method for the top-k grid.") var method: CAMMethod = .cam
    @Option(help: ArgumentHelp("Compare methods instead of classes: the top-1 class's map by each (comma-separated, or `all`).", valueName: "m1,m2,…"))
    var methods: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Compare layers instead of classes: the top-1 class's map by --method (layercam for cam) at each (names or indices from `cam model --layers`, comma-separated).", valueName: "l1,l2,…"))
    var layers: String?
    @Option(name: .customLong("panel-height"), help: "Height of each grid panel in pixels.") var panelHeight = 256
    @Flag(help: "Print the table as one JSON object (photo, size, grid path, a row per class, method or layer) for scripts.") var json = false

    func validate() throws {
        if methods != nil && layers != nil { throw ValidationError("--methods and --layers: give one (a grid compares one thing)") }
        if let methods, methods != "all", Self.names(methods).contains(where: { CAMMethod(rawValue: $0) == nil }) {
            throw ValidationError("--methods: each must be one of \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try OptionChecks.check("panel-height", panelHeight, in: 16...4096)
        try OptionChecks.check("top-k", topK, in: OptionChecks.topK)
    }

    func run() throws {
        let classifier = try modelOptions.load(topK: topK)
        // The default shows five classes, or all of a model that has fewer.
        let topK = topK ?? min(5, classifier.head.classes > 0 ? classifier.head.classes : 5)
        let layerList = try layers.map { try ModelOptions.resolve(Self.names($0), classifier, method: layerMethod) }
        if let grid, Self.sameFile(grid, image) {
            Console.error("cam: --grid \(grid) is the photo itself: refusing to overwrite the input")
            throw ExitCode(ExitStatus.usage)
        }
        do {
            let photo = try ImageDecoder.decode(path: image)
            if let layerList {
                try InspectGrid.check(photo: photo, panels: layerList.count, height: panelHeight)
                try compare(photo, layers: layerList, classifier: classifier)
                return
            }
            if let methods {
                var list = methods == "all" ? CAMMethod.allCases : Self.names(methods).compactMap { CAMMethod(rawValue: $0) }
                let chosen = try modelOptions.resolvedLayers(classifier, method: nil)
                // Pixel attributions ignore --layer (they are at the input); CAM, Score-CAM and
                // Ablation-CAM cannot work at another layer.
                func worksThere(_ m: CAMMethod) -> Bool {
                    CAMMethod.layerMethods.contains(m) || CAMMethod.pixelMethods.contains(m) || CAMMethod.attentionMethods.contains(m)
                }
                if chosen.contains(where: { $0 != classifier.head.featureName }) {
                    for m in list where !worksThere(m) { Console.error("cam: leaving out \(m.rawValue): it works at the head's features only") }
                    list.removeAll { !worksThere($0) }
                    if list.isEmpty { throw ExitCode(ExitStatus.usage) }
                }
                let size = classifier.config.inputSize
                if list.contains(where: CAMMethod.attentionMethods.contains),
                   (try? AttentionRollout.attentionValues(classifier, inputShape: [1, 3, size, size])) == nil {
                    Console.error("cam: leaving out rollout and gradrollout: the model has no self-attention over a token grid")
                    list.removeAll { CAMMethod.attentionMethods.contains($0) }
                    if list.isEmpty { throw ExitCode(ExitStatus.usage) }
                }
                if list.contains(.cam), let error = classifier.head.camError {
                    Console.error("cam: leaving out cam: \(error)")
                    list.removeAll { $0 == .cam }
                    if list.isEmpty { throw ExitCode(ExitStatus.usage) }
                }
                try InspectGrid.check(photo: photo, panels: list.count, height: panelHeight)
                try compare(photo, methods: list, classifier: classifier, layers: chosen)
                return
            }
            try InspectGrid.check(photo: photo, panels: topK, height: panelHeight)
            var settings = ExplainSettings()
            settings.topK = topK
            settings.method = method
            settings.layers = try modelOptions.resolvedLayers(classifier, method: method)
            settings.pixel = pixelOptions.options
            settings.rollout = attentionOptions.options
            let e = try Explainer.explain(photo, session: classifier.makeSession(), settings: settings)
            show("rank  class                              prob     logit   box [x0,y0,x1,y1]        mass in box")
            var panels: [(RGBImage, String)] = []
            var rows: [InspectRow] = []
            let overlay = Overlay(colormap: colormap)
            for (rank, m) in e.maps.enumerated() {
                let p = e.predictions.first { $0.index == m.index }!
                let box = Self.boxText(m) ?? (m.flat ? "flat" : "-")
                let mass = m.massInBox.map { String(format: "%.2f", $0) } ?? "-"
                let name = "\(p.index) \(p.label)"
                show(String(format: "%4d  %@ %6.3f  %8.3f   %@ %@", rank + 1, name.padding(toLength: 34, withPad: " ", startingAt: 0),
                            p.probability, p.logit, box.padding(toLength: 24, withPad: " ", startingAt: 0), mass))
                rows.append(InspectRow(map: m, rank: rank + 1, index: p.index, label: p.label, probability: p.probability, logit: p.logit))
                panels.append(panel(photo, m, overlay: overlay, label: "\(rank + 1). \(p.label) \(String(format: "%.0f%%", p.probability * 100))"))
            }
            try write(photo, panels, rows: rows, comparing: "classes")
        } catch let e as ExitCode {
            throw e
        } catch let e as CAMError {
            // The grid's size follows from the options: nothing was drawn.
            Console.error("cam: \(e)")
            if case .gridTooLarge = e { throw ExitCode(ExitStatus.usage) }
            throw ExitCode(ExitStatus.someFailed)
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.someFailed)
        }
    }

    static func names(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// One panel per method for the top-1 class, with the time each took.
    func compare(_ photo: RGBImage, methods: [CAMMethod], classifier: Classifier, layers: [String]) throws {
        let session = classifier.makeSession()
        let overlay = Overlay(colormap: colormap)
        var panels: [(RGBImage, String)] = []
        var rows: [InspectRow] = []
        show("method        box [x0,y0,x1,y1]        mass in box   ms")
        for m in methods {
            var settings = ExplainSettings()
            settings.method = m
            settings.layers = CAMMethod.pixelMethods.contains(m) || CAMMethod.attentionMethods.contains(m) ? [] : layers
            settings.pixel = pixelOptions.options
            settings.rollout = attentionOptions.options
            let start = ContinuousClock.now
            let e = try Explainer.explain(photo, session: session, settings: settings)
            let elapsed = (ContinuousClock.now - start).components
            let ms = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
            let map = e.maps[0]
            let box = Self.boxText(map) ?? "-"
            show(m.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + box.padding(toLength: 25, withPad: " ", startingAt: 0)
                 + (map.massInBox.map { String(format: "%.2f", $0) } ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%6.0f", ms))
            let p = e.predictions[0]
            rows.append(InspectRow(map: map, index: p.index, label: p.label, probability: p.probability, logit: p.logit, method: m.rawValue, ms: ms))
            panels.append(panel(photo, map, overlay: overlay, label: "\(m.rawValue) · \(e.predictions[0].label)"))
        }
        try write(photo, panels, rows: rows, comparing: "methods")
    }

    /// `--layers` compares by `--method`, LayerCAM when that is the default `cam` (which exists
    /// at the head's features only).
    var layerMethod: CAMMethod { method == .cam ? .layercam : method }

    /// One panel per layer for the top-1 class by `layerMethod`.
    func compare(_ photo: RGBImage, layers: [String], classifier: Classifier) throws {
        let session = classifier.makeSession()
        let overlay = Overlay(colormap: colormap)
        var panels: [(RGBImage, String)] = []
        var rows: [InspectRow] = []
        show("layer                                              map     box [x0,y0,x1,y1]")
        for layer in layers {
            var settings = ExplainSettings()
            settings.method = layerMethod
            settings.layers = [layer]
            let e = try Explainer.explain(photo, session: session, settings: settings)
            let map = e.maps[0]
            let box = Self.boxText(map) ?? "-"
            show(layer.padding(toLength: 50, withPad: " ", startingAt: 0) + " \(map.raw.width)x\(map.raw.height)".padding(toLength: 8, withPad: " ", startingAt: 0) + box)
            let p = e.predictions[0]
            rows.append(InspectRow(map: map, index: p.index, label: p.label, probability: p.probability, logit: p.logit, method: layerMethod.rawValue, layer: layer))
            panels.append(panel(photo, map, overlay: overlay, label: "\(map.raw.width)x\(map.raw.height) \(Self.shortName(layer))"))
        }
        try write(photo, panels, rows: rows, comparing: "layers")
    }

    /// A map's box as "[x0,y0,x1,y1]", nil without one.
    static func boxText(_ map: ClassMap) -> String? {
        map.localisation.box.map { "[\($0.values.map(String.init).joined(separator: ","))]" }
    }

    /// One grid panel: the map's overlay on the photo with its box, and its caption.
    func panel(_ photo: RGBImage, _ map: ClassMap, overlay: Overlay, label: String) -> (RGBImage, String) {
        var img = overlay.render(photo: photo, map: map.photoMap)
        if let b = map.localisation.box { Overlay.drawBox(&img, box: b) }
        return (InspectGrid.panel(img, height: panelHeight), label)
    }

    /// The last three path components of a value name (ONNX names from PyTorch are paths).
    static func shortName(_ name: String) -> String {
        let trimmed = name.hasSuffix("_output_0") ? String(name.dropLast("_output_0".count)) : name
        return trimmed.split(separator: "/").suffix(3).joined(separator: "/")
    }

    /// A table line, unless the table is printed as JSON.
    func show(_ line: String) {
        if !json { print(line) }
    }

    func write(_ photo: RGBImage, _ panels: [(RGBImage, String)], rows: [InspectRow], comparing: String) throws {
        let picture = try InspectGrid.render(photo: photo, panels: panels, height: panelHeight)
        // --grid names the file (its folder is made if missing); otherwise it goes into --out.
        let folderPath = grid.map { ($0 as NSString).deletingLastPathComponent } ?? out
        let name = grid.map { ($0 as NSString).lastPathComponent } ?? (image as NSString).lastPathComponent + ".inspect.png"
        let folder: OutputFolder
        do { folder = try OutputFolder(folderPath.isEmpty ? "." : folderPath) } catch { throw PathError(.create, folderPath, error) }
        try PNGEncoder().write(picture, to: name, in: folder)
        let gridPath = grid ?? folder.display(name)
        guard json else {
            print("grid: \(gridPath)")
            return
        }
        let table = InspectTable(photo: image, width: photo.width, height: photo.height, comparing: comparing, grid: gridPath, rows: rows)
        print(String(decoding: try ReportWriter.encoder().encode(table), as: UTF8.self))
    }

    /// Whether two paths name one file (same device and inode).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }
}
