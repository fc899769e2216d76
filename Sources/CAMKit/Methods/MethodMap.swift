import Inference

/// The raw map (before ReLU and normalisation) of one class by one method.
public enum MethodMap {
    /// What a method may need beyond the features: extra forward passes (Score-CAM).
    public struct Options {
        public var eigenSmooth = false
        public var batchSize = 16
        /// The model input of the photo, and a batched forward pass returning logits per image.
        public var modelInput: Tensor?
        public var forward: ((Tensor) throws -> [[Float]])?
        /// Score-CAM's K masked passes give every class's logits: kept here for the photo's
        /// other classes (one cache per model input).
        public var scoreCache: ScoreCAM.Cache?
        public init() {}
    }

    /// Throws `CAMError.badClass` for a class index outside the logits (checked here, at the
    /// boundary: the head's weights are read without bounds checks of their own).
    public static func raw(_ method: CAMMethod, _ input: MethodInput, options: Options = Options()) throws -> ClassActivationMap {
        // The head's class count, or (a class map before the pool) the logits'.
        let classes = input.head.classes > 0 ? input.head.classes : input.logits.count
        guard (0..<classes).contains(input.classIndex) else {
            throw CAMError.badClass(String(input.classIndex), classes: classes)
        }
        // A method gives channel weights (map Σ_k w_k F_k) or per-position channel
        // contributions (map Σ_k C_k); --eigen-smooth projects w_k F_k or C_k instead of summing.
        let weights: [Float]
        switch method {
        case .cam:
            if let error = input.head.camError { throw error }
            weights = input.head.classWeights(input.classIndex)
        case .gradcam: weights = try GradCAM.weights(input)
        case .xgradcam: weights = try XGradCAM.weights(input)
        case .gradcampp: weights = try GradCAMPlusPlus.weights(input)
        case .ablationcam: weights = try AblationCAM.weights(input)
        case .scorecam:
            guard let x = options.modelInput, let forward = options.forward else { throw CAMError.methodNeedsForwardPass(method: "scorecam") }
            let scores = try options.scoreCache?.scores ?? ScoreCAM.scores(input, modelInput: x, batchSize: options.batchSize, forward: forward)
            options.scoreCache?.scores = scores
            weights = ScoreCAM.weights(scores, classIndex: input.classIndex)
        case .eigencam:
            return map(input, EigenCAM.projection(input.features.data, count: input.channels, positions: input.plane))
        case .eigengradcam:
            return map(input, EigenCAM.projection(try HiResCAM.channels(input), count: input.channels, positions: input.plane))
        case .hirescam: return contributions(input, try HiResCAM.channels(input), options)
        case .layercam: return contributions(input, try LayerCAM.channels(input), options)
        case .gradcamelementwise: return contributions(input, try GradCAMElementWise.channels(input), options)
        case .saliency, .smoothgrad, .integratedgradients, .guidedbackprop, .guidedgradcam, .occlusion, .fullgrad, .rise, .rollout, .gradrollout:
            // Input gradients and attention need the whole network: `MapMaker` computes them.
            throw CAMError.methodNeedsForwardPass(method: method.rawValue)
        }
        if options.eigenSmooth {
            return map(input, EigenCAM.projection(input.weightedChannels(weights), count: input.channels, positions: input.plane))
        }
        return map(input, input.weightedSum(weights))
    }

    /// Σ_k C_k over channels [K, h, w] (or their principal component with --eigen-smooth).
    static func contributions(_ input: MethodInput, _ channels: [Float], _ options: Options) -> ClassActivationMap {
        if options.eigenSmooth { return map(input, EigenCAM.projection(channels, count: input.channels, positions: input.plane)) }
        let n = input.plane
        var out = [Float](repeating: 0, count: n)
        for k in 0..<input.channels { for i in 0..<n { out[i] += channels[k * n + i] } }
        return map(input, out)
    }

    static func map(_ input: MethodInput, _ values: [Float]) -> ClassActivationMap {
        ClassActivationMap(width: input.width, height: input.height, values: values)
    }
}
