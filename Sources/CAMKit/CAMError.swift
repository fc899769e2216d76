/// Why a model cannot be explained, or an explanation failed.
public enum CAMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path from the logits back to the global pool contains a non-linear node.
    case headNotLinear(node: String, op: String)
    /// No global average pool was found before the logits.
    case noGlobalPool(output: String)
    case badSidecar(path: String, detail: String)
    case badLabels(path: String, detail: String)
    case badClass(String, classes: Int)
    /// A class name that is no label (with the nearest labels) and no index.
    case unknownClass(String, classes: Int, near: [String])
    /// A label that several classes carry (ImageNet has two "crane"s).
    case ambiguousClass(String, indices: [Int])
    case unsupportedInput(detail: String)
    case badShard(String, reason: String)
    case badGroundTruth(path: String, detail: String)
    /// `--method cam` on a model whose head is not linear after the pool.
    case camNeedsLinearHead(node: String)
    /// `--method cam` on a class-token head (ViT, DeiT).
    case camNeedsTokenAverage(node: String)
    /// rollout or gradrollout on a model without full self-attention over its token grid.
    case noAttention(detail: String)
    /// Shard reports that cannot be merged.
    case mergeFailed(path: String, detail: String)
    /// Fitting the photo to the model would need a resized image or model input over the limits.
    case photoTooLargeForModel(width: Int, height: Int, resized: Int, input: Int)
    /// Folding the linear head found matrices whose shapes do not chain.
    case headShapeMismatch(node: String, detail: String)
    /// A method called without what it needs (an API misuse, not bad input).
    case methodNeedsForwardPass(method: String)
    /// `cam inspect`'s grid would be over its pixel limit.
    case gridTooLarge(pixels: Double, limit: Int)
    /// `--layer` names no feature map of the model.
    case unknownLayer(String, count: Int, near: [String])
    /// A transformer's value whose shape is on no grid of the model's tokens.
    case layerOffGrid(String, shape: [Int], grid: String)
    /// A method that works only on the head's feature map, asked at another layer.
    case methodNeedsFinalLayer(method: String, layer: String)
    /// A pixel attribution (saliency, smoothgrad, integratedgradients) asked at a layer.
    case pixelMethodAtLayer(method: String)
    /// --layer with rollout or gradrollout (they use every layer's attention).
    case attentionMethodAtLayer(method: String)

    public var description: String {
        switch self {
        case let .headNotLinear(node, op):
            return "the classifier head is not linear after the global pool: node '\(node)' (\(op)) — CAM is exact only for global average pool followed by linear layers"
        case let .noGlobalPool(output): return "no global average pool found on the path to '\(output)'"
        case let .badSidecar(path, detail): return "\(path): bad model sidecar (\(detail))"
        case let .badLabels(path, detail): return "\(path): bad labels file (\(detail))"
        case let .badClass(c, classes): return "--class \(c): not a label or an index below \(classes)"
        case let .unknownClass(c, classes, near):
            let hint = near.isEmpty ? "" : " (nearest labels: " + near.map { "'\($0)'" }.joined(separator: ", ") + ")"
            return "class '\(c)': not a label or an index below \(classes)\(hint)"
        case let .ambiguousClass(c, indices):
            return "class '\(c)' is the label of classes \(indices.map(String.init).joined(separator: " and ")): give the index"
        case let .unsupportedInput(detail): return "unsupported model input: \(detail)"
        case let .camNeedsLinearHead(node):
            return "the classifier head is not linear after the global pool (node '\(node)'): CAM needs global average pool followed by linear layers — use --method gradcam (or gradcampp, xgradcam, hirescam, scorecam, ablationcam, eigencam)"
        case let .noAttention(detail):
            return "rollout and gradrollout need a vision transformer's self-attention over all its tokens: \(detail) — use --method gradcam (or layercam, eigencam) at a block"
        case let .camNeedsTokenAverage(node):
            return "the classifier reads its class token (node '\(node)'), not an average of the tokens: CAM is exact only for heads that average the token grid (Swin, mean-pooled DeiT) — use --method gradcam (or gradcampp, hirescam, layercam, eigencam), computed at a block's tokens with the extra tokens dropped"
        case let .badGroundTruth(path, detail): return "\(path): bad ground truth (\(detail))"
        case let .badShard(text, reason): return "--shard \(text): \(reason)"
        case let .mergeFailed(path, detail): return "\(path): cannot merge (\(detail))"
        case let .headShapeMismatch(node, detail): return "the classifier head's linear layers after '\(node)' do not chain: \(detail)"
        case let .methodNeedsForwardPass(method):
            return "\(method) needs MethodMap.Options.modelInput and .forward (the model input and a batched forward pass)"
        case let .layerOffGrid(spec, shape, grid):
            return "--layer \(spec): its shape \(shape) does not map to the token grid \(grid) ([1, extra + h·w, C] tokens, [1, h, w, C] or [1, C, h, w]); pass the grid with --tokens HxW+N if it is another, or pick a layer from `cam model --layers`"
        case let .unknownLayer(spec, count, near):
            let hint = near.isEmpty ? "" : " (names containing it: " + near.map { "'\($0)'" }.joined(separator: ", ") + ")"
            return "--layer \(spec): not a feature map of this model\(hint); `cam model --layers MODEL` lists its \(count) layers, by name or index from the output (-1 is the last)"
        case let .methodNeedsFinalLayer(method, layer):
            return "--method \(method) explains the head's feature map only, not --layer '\(layer)': at other layers use \(CAMMethod.layerMethods.map(\.rawValue).joined(separator: ", "))"
        case let .attentionMethodAtLayer(method):
            return "--method \(method) combines the attention of every layer: leave out --layer (one block's map: --method gradcam --layer NAME)"
        case let .pixelMethodAtLayer(method):
            return "--method \(method) attributes to the input pixels: leave out --layer (layer maps: \(CAMMethod.layerMethods.map(\.rawValue).joined(separator: ", ")))"
        case let .gridTooLarge(pixels, limit):
            return "the grid would have \(Int(min(pixels, 9e18))) pixels, over the limit of \(limit): use fewer --top-k classes or a smaller --panel-height"
        case let .photoTooLargeForModel(w, h, resized, input):
            return "a \(w)x\(h) photo would be resized to \(resized) pixels for a model input of \(input) pixels, over the limits of \(Geometry.maxResizedPixels) and \(Geometry.maxInputPixels) (a --size too large for this aspect ratio?)"
        }
    }
}
