import Inference

/// A layer a map can be computed at: a feature map [1, C, h, w] the model computes, or a
/// transformer's tokens on its grid (`TokenGrid`).
public struct LayerInfo: Sendable, Equatable {
    /// The value's name in the (rewritten) graph: what `--layer` takes.
    public var name: String
    /// [C, h, w] at the size it was listed for.
    public var shape: [Int]
    /// The node that computes it, and its operator (after load-time fusions: "Conv+relu").
    public var node: String
    public var op: String
    /// Position counted from the output: −1 is the last feature map, −2 the one before…
    public var fromOutput: Int
    /// The head's feature map: where maps are computed without `--layer`.
    public var isDefault: Bool
}

/// The layers of a classifier, and `--layer` resolved against them.
public enum LayerCatalog {
    /// Every feature map with more than one cell (4-D, or tokens on the model's grid), in graph
    /// order, plus the head's features.
    public static func layers(of classifier: Classifier, size: Int) throws -> [LayerInfo] {
        let shape = [1, 3, size, size]
        let values = try classifier.engine.runtimeValues(inputShapes: [classifier.inputName: shape])
        // [C, h, w] of each value on a map: a CNN's 4-D feature maps; a transformer's tokens too.
        func mapShape(_ v: RuntimeValue) -> [Int]? {
            guard v.shape.first == 1 else { return nil }
            let shape = Array(v.shape.dropFirst())
            if let grid = classifier.tokenGrid { return grid.layout(of: shape, op: v.op).map { TokenGrid.mapShape(shape, $0) } }
            return shape.count == 3 ? shape : nil
        }
        let maps = values.compactMap { v -> (RuntimeValue, [Int])? in
            guard let shape = mapShape(v), v.name == classifier.head.featureName || shape[1] * shape[2] > 1 else { return nil }
            return (v, shape)
        }
        return maps.enumerated().map { i, m in
            LayerInfo(name: m.0.name, shape: m.1, node: m.0.node, op: m.0.op, fromOutput: i - maps.count,
                      isDefault: m.0.name == classifier.head.featureName)
        }
    }

    /// The layer named by `spec`: a value name, or an index counted from the output ("-1" is the
    /// last feature map) or from the input ("0" the first). Unknown names get the nearest names.
    public static func resolve(_ spec: String, in layers: [LayerInfo]) throws(CAMError) -> LayerInfo {
        if let exact = layers.first(where: { $0.name == spec }) { return exact }
        if let i = Int(spec) {
            let index = i < 0 ? layers.count + i : i
            guard layers.indices.contains(index) else { throw .unknownLayer(spec, count: layers.count, near: []) }
            return layers[index]
        }
        let wanted = spec.lowercased()
        let near = layers.map(\.name).filter { $0.lowercased().contains(wanted) }.suffix(3)
        throw .unknownLayer(spec, count: layers.count, near: Array(near))
    }
}
