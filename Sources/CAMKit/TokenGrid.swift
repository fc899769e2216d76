import Inference

/// Where a vision transformer's tokens lie on the image, found from the graph: the patch
/// embedding is the convolution that reads the image with stride equal to its kernel (ViT,
/// DeiT, Swin), and its output's height × width is the grid. A token tensor [L, C] (batch
/// dropped) holds `extraTokens` leading tokens (class, distillation, registers) then the grid
/// row by row; Swin keeps its tokens as [h, w, C]; later stages merge patches, so grids of
/// h/2ᵏ × w/2ᵏ count too. pytorch-grad-cam asks its users for this as a `reshape_transform`.
public struct TokenGrid: Sendable, Equatable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    /// Leading tokens that are not on the grid (1: a class token; 2: class and distillation).
    public var extraTokens: Int

    public init(height: Int, width: Int, extraTokens: Int) {
        self.height = height
        self.width = width
        self.extraTokens = extraTokens
    }

    /// "HxW" or "HxW+N" (`--tokens`), nil when malformed.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        let dims = parts.first.map { $0.split(separator: "x") } ?? []
        guard dims.count == 2, let h = Int(dims[0]), let w = Int(dims[1]), (1...4096).contains(h), (1...4096).contains(w) else { return nil }
        var extra = 0
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...64).contains(n) else { return nil }
            extra = n
        }
        self.init(height: h, width: w, extraTokens: extra)
    }

    public var description: String { "\(height)×\(width)" + (extraTokens > 0 ? " + \(extraTokens) extra token\(extraTokens == 1 ? "" : "s")" : "") }

    /// How a layer's value (batch dropped) maps to a [C, h, w] map.
    enum Layout: Sendable, Equatable {
        /// Already [C, h, w].
        case channelsFirst
        /// [extra + h·w, C]: drop the extra tokens, then [C, h, w].
        case tokens(extra: Int, height: Int, width: Int)
        /// [h, w, C] (Swin): [C, h, w].
        case channelsLast
    }

    /// [C, h, w] of a value of `shape` (batch dropped) laid out as `layout`.
    static func mapShape(_ shape: [Int], _ layout: Layout) -> [Int] {
        switch layout {
        case .channelsFirst: return shape
        case let .tokens(_, h, w): return [shape[1], h, w]
        case .channelsLast: return [shape[2], shape[0], shape[1]]
        }
    }

    /// The grids of this model: the patch grid and its merged halves.
    var scaledGrids: [(Int, Int)] {
        [1, 2, 4, 8, 16, 32].compactMap { s in height % s == 0 && width % s == 0 ? (height / s, width / s) : nil }
    }

    /// The layout of a value of `shape` (batch dropped) made by an operator `op`, nil when it is
    /// on no grid of this model. A shape that fits both ways ([16, 16, 16] on a 16×16 grid) is
    /// [h, w, C] — how a transformer holds its tokens — unless a convolution made it.
    func layout(of shape: [Int], op: String) -> Layout? {
        switch shape.count {
        case 3:
            let first = scaledGrids.contains { $0 == (shape[1], shape[2]) }, last = scaledGrids.contains { $0 == (shape[0], shape[1]) }
            if first && (!last || op.hasPrefix("Conv")) { return .channelsFirst }
            return last ? .channelsLast : nil
        case 2:
            if shape[0] == extraTokens + height * width { return .tokens(extra: extraTokens, height: height, width: width) }
            if let (h, w) = scaledGrids.dropFirst().first(where: { $0.0 * $0.1 == shape[0] }) { return .tokens(extra: 0, height: h, width: w) }
            return nil
        default:
            return nil
        }
    }

    /// `t` (batch dropped) as [C, h, w] for `layout`.
    static func featureMap(_ t: Tensor, _ layout: Layout) -> Tensor {
        switch layout {
        case .channelsFirst:
            return t
        case let .tokens(extra, h, w):
            let c = t.shape[1], cells = h * w
            var out = [Float](repeating: 0, count: c * cells)
            for i in 0..<cells { for k in 0..<c { out[k * cells + i] = t.data[(extra + i) * c + k] } }
            return Tensor(shape: [c, h, w], data: out)
        case .channelsLast:
            let h = t.shape[0], w = t.shape[1], c = t.shape[2], cells = h * w
            var out = [Float](repeating: 0, count: c * cells)
            for i in 0..<cells { for k in 0..<c { out[k * cells + i] = t.data[i * c + k] } }
            return Tensor(shape: [c, h, w], data: out)
        }
    }

    /// The patch grid of `graph` (as loaded: the engine's rewritten graph keeps its weights
    /// elsewhere) for an input of `size`×`size`, nil for a model with no patch embedding (a CNN). Extra tokens: the first token tensor after the embedding that is longer
    /// than the grid says how many were prepended.
    static func discover(graph: Graph, engine: InferenceEngine, input: String, size: Int) -> TokenGrid? {
        guard let patch = graph.nodes.first(where: { node in
            guard case .conv(let a) = node.op, node.inputs.first == input, node.inputs.count > 1,
                  let w = graph.constants[node.inputs[1]]?.shape, w.count == 4 else { return false }
            let kernel = a.window.kernel.isEmpty ? [w[2], w[3]] : a.window.kernel
            return kernel.allSatisfy { $0 > 1 } && a.window.strides == kernel && a.window.pads.allSatisfy { $0 == 0 }
        }), let values = try? engine.runtimeValues(inputShapes: [input: [1, 3, size, size]]),
              let embedded = values.first(where: { $0.name == patch.outputs.first }), embedded.shape.count == 4 else { return nil }
        let h = embedded.shape[2], w = embedded.shape[3]
        let after = values.drop { $0.name != embedded.name }
        let extra = after.first { $0.shape.count == 3 && $0.shape[0] == 1 && $0.shape[1] > h * w && $0.shape[1] - h * w <= 8 }
            .map { $0.shape[1] - h * w } ?? 0
        return TokenGrid(height: h, width: w, extraTokens: extra)
    }
}
