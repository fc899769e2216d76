import Foundation
import Inference
import ONNX

/// A model ready to explain: graph, CAM head, preprocessing recipe and labels.
public final class Classifier: Sendable {
    public let modelPath: String
    /// SHA-256 of the model file, for the manifest (hashed from the bytes that were parsed, on
    /// another thread while the model loads; reading it waits for that).
    public var modelSHA256: String { pendingSHA256.hex }
    private let pendingSHA256: PendingDigest
    public let engine: InferenceEngine
    public let head: CAMHead
    public let config: ModelSidecar
    public let labels: [String]
    public let inputName: String
    /// A transformer's token grid (nil for a CNN): layers on it are mapped to [C, h, w].
    public let tokenGrid: TokenGrid?

    /// Loads the model, its sidecar (overridden by `configure`) and labels; finds the CAM head.
    /// `tokens` replaces the token grid found from the graph (`--tokens`). A sidecar that
    /// contradicts the graph (`checkSidecar`) is an error naming both numbers;
    /// `ignoringSidecar` does not read it (`cam model --write-sidecar` drafts a new one).
    public init(modelPath: String, labelsPath: String? = nil, threads: Int = 1, tokens: TokenGrid? = nil,
                ignoringSidecar: Bool = false, configure: (inout ModelSidecar) -> Void = { _ in }) throws {
        self.modelPath = modelPath
        let bytes = try ONNXModel.readFile(modelPath)
        pendingSHA256 = PendingDigest(of: bytes)
        let model = try ONNXModel.load(bytes: bytes, path: modelPath)
        guard model.graph.inputs.count == 1, let input = model.graph.inputs.first else {
            throw CAMError.unsupportedInput(detail: "the model has \(model.graph.inputs.count) runtime inputs; camkit needs one image input")
        }
        guard input.shape.count == 4, input.shape[1] == nil || input.shape[1] == 3 else {
            throw CAMError.unsupportedInput(detail: "input '\(input.name)' has shape \(input.shape.map { $0.map(String.init) ?? "?" }), expected N×3×H×W")
        }
        var config: ModelSidecar
        let sidecarFile = ignoringSidecar ? nil : try ModelSidecar.load(besideModel: modelPath)
        if let sidecar = sidecarFile {
            config = sidecar
        } else {
            // No sidecar: a model exported at a fixed square size (a transformer's position
            // embeddings fix it) is fed the whole photo resized to that size, as
            // pytorch-grad-cam's examples do; 224 and the sidecar's default fit otherwise.
            config = ModelSidecar()
            if let h = input.shape[2], h == input.shape[3], ModelSidecar.inputSizeRange.contains(h) {
                config.inputSize = h
                config.resize = .stretch
            }
        }
        configure(&config)
        // Checked after the flags (--size, --resize), which can mend a sidecar or break a default.
        try Self.checkSidecar(config, path: sidecarFile == nil ? nil : modelPath + ".json", against: input.shape)
        self.config = config
        inputName = input.name
        head = try CAMHead.discover(in: model.graph)
        engine = InferenceEngine(graph: model.graph, keep: [head.featureName, head.logitsName], threads: threads)
        tokenGrid = tokens ?? TokenGrid.discover(graph: model.graph, engine: engine, input: input.name, size: config.inputSize)
        let folder = (modelPath as NSString).deletingLastPathComponent
        let labelFile = labelsPath ?? config.labels.map { (folder as NSString).appendingPathComponent($0) }
        if let labelFile {
            guard let text = try? String(contentsOfFile: labelFile, encoding: .utf8) else {
                throw CAMError.badLabels(path: labelFile, detail: "cannot read")
            }
            labels = Self.labelLines(text)
            // A labels file for another model would put wrong names on every class: refuse it
            // (heads whose class count is known only after a run are checked by their first run).
            if head.classes > 0 && labels.count != head.classes {
                throw CAMError.badLabels(path: labelFile, detail: "\(labels.count) labels for a model with \(head.classes) classes")
            }
        } else {
            labels = []
        }
    }

    /// The labels of a labels file: one per line (Unix or Windows line ends), spaces and tabs
    /// around it trimmed (what Foundation's `trimmingCharacters(in: .whitespaces)` trims: tab and
    /// the Unicode space separators), empty lines dropped. In Swift, not through Foundation's NSString bridge,
    /// which took ~2 ms of every start on a 1,000-class file.
    package static func labelLines(_ text: String) -> [String] {
        let isSpace: (Character) -> Bool = { $0.isWhitespace && !$0.isNewline }
        // "\r\n" is one Character: split at it too, or a file with Windows line ends is one label.
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).compactMap { line in
            guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) }) else { return nil }
            return String(line[first...last])
        }
    }

    /// Settings for another export of the model would fail on every photo: a model whose graph
    /// fixes its input at H×W takes only `input_size` H with a square resize (crop, stretch).
    /// `path` is the sidecar's when there is one (the error names it); otherwise the settings
    /// came from defaults and flags, and the error names the flags.
    static func checkSidecar(_ config: ModelSidecar, path: String?, against shape: [Int?]) throws(CAMError) {
        guard let h = shape[2], let w = shape[3] else { return }
        let fixed = "the model's input is fixed at \(h)×\(w)"
        func refuse(_ detail: String) -> CAMError {
            path.map { .badSidecar(path: $0, detail: detail + " (or the --size/--resize given)") } ?? .unsupportedInput(detail: detail + " (--size/--resize)")
        }
        if h != w { throw refuse("\(fixed); camkit feeds square inputs (crop, stretch) or free ones (full)") }
        if config.inputSize != h { throw refuse("input_size \(config.inputSize), but \(fixed)") }
        if config.resize == .full { throw refuse("resize full keeps each photo's aspect, but \(fixed): use crop or stretch") }
    }

    /// The class a user names: a label (case-insensitive) first, else an index below the class
    /// count. One rule for `--class` and for ground-truth labels. A label that names several
    /// classes, or nothing, is an error listing the candidates or the nearest labels.
    public func classIndex(named name: String) throws(CAMError) -> Int {
        let wanted = name.lowercased()
        let matches = labels.indices.filter { labels[$0].lowercased() == wanted }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw .ambiguousClass(name, indices: matches) }
        if let i = Int(name), i >= 0, i < head.classes || head.classes == 0 { return i }
        throw .unknownClass(name, classes: head.classes, near: nearestLabels(to: wanted))
    }

    /// Up to three labels that contain `name` or are within two edits of it, closest first.
    func nearestLabels(to name: String) -> [String] {
        let scored = labels.map { label -> (Int, String) in
            let l = label.lowercased()
            return (l.contains(name) || name.contains(l) ? 0 : Self.editDistance(l, name, limit: 3), label)
        }
        return scored.filter { $0.0 <= 2 }.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.count < $1.1.count }.prefix(3).map(\.1)
    }

    /// Levenshtein distance, or `limit` once it is certain to reach it.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a), b = Array(b)
        if abs(a.count - b.count) >= limit { return limit }
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            if current.min()! >= limit { return limit }
            previous = current
        }
        return min(previous[b.count], limit)
    }

    /// Label of class `i`, or its index as text.
    public func label(_ i: Int) -> String { i < labels.count ? labels[i] : String(i) }

    /// A per-worker handle with its own plans (one per input shape).
    public func makeSession() -> ClassifierSession { ClassifierSession(classifier: self) }
}

/// The forward pass for one worker: caches a plan per input shape (plans are not thread-safe).
public final class ClassifierSession {
    let classifier: Classifier
    var plans: [[Int]: ExecutionPlan] = [:]
    /// The gradient plan of the last (input shape, layer) asked for; one, like `maxPlans`.
    var gradientPlan: (key: String, plan: GradientPlan)?
    /// Rollout's attention values and the plan that computes them, for one input shape.
    var attention: (shape: [Int], values: AttentionRollout.Values, plan: ExecutionPlan)?
    /// The head with W resolved for the feature channel count (an identity head needs K, which
    /// the first run tells; K does not change with the input size).
    var head: CAMHead?
    /// Plans kept per worker: one. A plan holds its activation buffers (8 MiB and more for the
    /// shipped model) and its oneDNN kernels; remaking one for a shape seen before is cheap
    /// (oneDNN's primitive cache keeps the compiled kernels, the packed weights are shared), and
    /// with two per worker the samples' run peaked at 131 MiB instead of 118–121.
    static let maxPlans = 1

    init(classifier: Classifier) { self.classifier = classifier }

    /// Logits [C] and features [K, h, w] for one input tensor.
    public func run(_ input: Tensor) throws -> (logits: [Float], features: Tensor, head: CAMHead) {
        let c = classifier
        let out = try plan(for: input).run([c.inputName: input])
        let features = out[c.head.featureName]!
        let logits = out[c.head.logitsName]!
        let head = self.head ?? c.head.resolved(channels: features.shape[1])
        self.head = head
        return (logits.data, Tensor(shape: Array(features.shape.dropFirst()), data: features.data), head)
    }

    /// The logits of every image of a batch [B, 3, H, W] (Score-CAM's masked inputs, the
    /// deletion and insertion curves).
    public func logits(batch input: Tensor) throws -> [[Float]] {
        let out = try plan(for: input).run([classifier.inputName: input])
        let logits = out[classifier.head.logitsName]!
        let b = input.shape[0], classes = logits.data.count / max(b, 1)
        return (0..<b).map { Array(logits.data[($0 * classes)..<(($0 + 1) * classes)]) }
    }

    func plan(for input: Tensor) throws -> ExecutionPlan {
        let c = classifier
        let plan: ExecutionPlan
        if let cached = plans[input.shape] {
            plan = cached
        } else {
            // The old plan goes before the new one is made, so the two never coexist.
            if plans.count >= ClassifierSession.maxPlans { plans.removeAll() }
            plan = try c.engine.makePlan(inputShapes: [c.inputName: input.shape], outputs: [c.head.featureName, c.head.logitsName])
            plans[input.shape] = plan
        }
        return plan
    }
}

extension ClassifierSession {
    /// The gradient plan of `targets` for inputs of `inputShape`: the one kept from the last
    /// request when it asked the same (one plan per session, like `maxPlans`).
    func gradientPlan(inputShape: [Int], targets: [String]) throws -> GradientPlan {
        let key = "\(inputShape)|\(targets.joined(separator: ","))"
        if let cached = gradientPlan, cached.key == key { return cached.plan }
        gradientPlan = nil
        let c = classifier
        let plan = try c.engine.makeGradientPlan(inputShapes: [c.inputName: inputShape], targets: targets, output: c.head.logitsName)
        gradientPlan = (key, plan)
        return plan
    }

    /// The activation F [K, h, w] of `layer` for one image, ∂logit_c/∂F, and the logits: one
    /// forward pass to the layer on the fast kernels, then the layer-to-logits part forward and
    /// backward (`GradientPlan`).
    func layerGradient(_ input: Tensor, layer: String, classIndex: Int) throws -> (features: Tensor, gradient: Tensor, logits: [Float]) {
        let r = try layerGradients(input, layers: [layer], classIndex: classIndex)
        return (r.features[layer]!, r.gradients[layer]!, r.logits)
    }

    /// `layerGradient` for several layers from one backward pass.
    func layerGradients(_ input: Tensor, layers: [String], classIndex: Int, guidedReLU: Bool = false,
                               biasGradients: ((GradientPlan.BiasGradient) -> Void)? = nil)
        throws -> (features: [String: Tensor], gradients: [String: Tensor], logits: [Float]) {
        let c = classifier
        let plan = try gradientPlan(inputShape: input.shape, targets: layers)
        plan.guidedReLU = guidedReLU
        plan.onBiasGradient = biasGradients
        defer { plan.onBiasGradient = nil }
        let result = try plan.run([c.inputName: input], outputIndex: classIndex)
        // A layer of tokens becomes the [C, h, w] map every method expects (extra tokens dropped).
        var layouts: [String: TokenGrid.Layout] = [:]
        for name in layers {
            let full = result.values[name]!.shape, shape = Array(full.dropFirst())
            // The input (pixel attributions) and 4-D maps of a CNN pass as they are; a value on
            // no grid (a wrong --tokens) is an error, not a map of the wrong shape.
            let layout: TokenGrid.Layout? = if let grid = c.tokenGrid, name != c.inputName {
                grid.layout(of: shape, op: c.engine.graph.producer(of: name)?.op.name ?? "")
            } else {
                shape.count == 3 ? .channelsFirst : nil
            }
            guard let layout else { throw CAMError.layerOffGrid(name, shape: full, grid: c.tokenGrid?.description ?? "(none found)") }
            layouts[name] = layout
        }
        func mapped(_ all: [String: Tensor]) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: all.map { name, t in
                (name, TokenGrid.featureMap(Tensor(shape: Array(t.shape.dropFirst()), data: t.data), layouts[name] ?? .channelsFirst))
            })
        }
        return (mapped(result.values), mapped(result.gradients), result.output.data)
    }
}
