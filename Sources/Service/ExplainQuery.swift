import CAMKit
import ImageIO

/// A request's query parameters as explanation settings, each checked like the flag of
/// `cam explain` it mirrors (`top_k` ↔ `--top-k`, `class` ↔ `--class`, …): a bad value is a 400
/// naming the parameter, before the photo is read.
struct ExplainQuery {
    var settings: ExplainSettings
    /// The photo's name in the record and the overlay names (default "upload").
    var name = "upload"

    static let parameters: Set<String> = ["class", "top_k", "method", "layer", "colormap", "alpha", "threshold", "boxes", "box_threshold", "name"]

    init(_ query: [String: String], service: ServiceModel) throws(ServiceProblem) {
        for key in query.keys where !Self.parameters.contains(key) {
            throw .badRequest("unknown query parameter \(key) (one of \(Self.parameters.sorted().joined(separator: ", ")))")
        }
        let classifier = service.classifier
        var s = service.baseSettings
        if let v = query["method"] {
            guard let m = CAMMethod(rawValue: v) else {
                throw .badRequest("method \(v) is not one of \(CAMMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            s.method = m
        }
        if s.method == .cam, let error = classifier.head.camError {
            throw ServiceProblem(.badRequest, .unprocessableContent, error.description)
        }
        if let v = query["top_k"] {
            let classes = classifier.head.classes
            guard let k = Int(v), k >= 1, k <= max(classes, 1) else { throw .badRequest("top_k \(v) is outside 1...\(classes)") }
            s.topK = k
        }
        if let v = query["class"] {
            do { s.classIndex = try classifier.classIndex(named: v) } catch { throw .badRequest("class: \(error)") }
        }
        if let v = query["layer"] {
            do { s.layers = [try LayerCatalog.resolve(v, in: service.layers).name] } catch { throw .badRequest("layer: \(error)") }
            if CAMMethod.pixelMethods.contains(s.method) { throw .badRequest("\(CAMError.pixelMethodAtLayer(method: s.method.rawValue))") }
        }
        if let v = query["colormap"] {
            guard let c = Colormap(rawValue: v) else { throw .badRequest("colormap \(v) is not one of \(Colormap.allCases.map(\.rawValue).joined(separator: ", "))") }
            s.overlay.colormap = c
        }
        s.overlay.alpha = try Self.fraction("alpha", query["alpha"]) ?? s.overlay.alpha
        s.overlay.threshold = try Self.fraction("threshold", query["threshold"]) ?? s.overlay.threshold
        s.boxThreshold = try Self.fraction("box_threshold", query["box_threshold"]) ?? s.boxThreshold
        if let v = query["boxes"] {
            switch v {
            case "true", "1": s.drawBoxes = true
            case "false", "0": s.drawBoxes = false
            default: throw .badRequest("boxes \(v) is not true or false")
            }
        }
        if let v = query["name"] {
            guard !v.isEmpty, v.count <= 255, !v.contains("/"), !v.contains("\""), !v.contains("\\"), v != ".", v != "..",
                  !v.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .badRequest("name must be a file name (no slash, quote, backslash or control character, at most 255 characters)")
            }
            name = v
        }
        settings = s
    }

    /// A value in 0…1, or nil when the parameter is absent.
    static func fraction(_ name: String, _ value: String?) throws(ServiceProblem) -> Float? {
        guard let value else { return nil }
        guard let f = Float(value), f.isFinite, f >= 0, f <= 1 else { throw .badRequest("\(name) \(value) is outside 0...1") }
        return f
    }
}
