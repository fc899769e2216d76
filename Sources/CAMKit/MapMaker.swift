import Inference

/// Raw maps of one photo's classes by the settings' method, with `--aug-smooth`'s extra passes
/// run once per photo.
public struct MapMaker {
    let input: MethodInput
    let options: MethodMap.Options
    let views: [AugmentationSmoothing.View]?
    let method: CAMMethod

    public init(session: ClassifierSession, input tensor: Tensor, logits: [Float], features: Tensor, head: CAMHead,
                settings: ExplainSettings, times: StageTimes = StageTimes()) throws {
        var options = MethodMap.Options()
        options.eigenSmooth = settings.eigenSmooth
        options.batchSize = settings.batchSize
        options.modelInput = tensor
        options.forward = { try session.logits(batch: $0) }
        options.scoreCache = ScoreCAM.Cache()
        self.options = options
        self.method = settings.method
        self.input = MethodInput(features: features, logits: logits, head: head, classIndex: 0)
        views = settings.augSmooth
            ? try times.measure(.forward) { try AugmentationSmoothing.views(of: tensor) { let r = try session.run($0); return (r.logits, r.features) } }
            : nil
    }

    /// The raw map of class `c` (for `--aug-smooth`, the average of the views' scaled maps).
    public func raw(_ c: Int) throws -> ClassActivationMap {
        guard let views else {
            return try MethodMap.raw(method, MethodInput(features: input.features, logits: input.logits, head: input.head, classIndex: c), options: options)
        }
        return try AugmentationSmoothing.average(views) { view in
            var o = options
            o.modelInput = view.input
            o.scoreCache = view.scoreCache
            return try MethodMap.raw(method, MethodInput(features: view.features, logits: view.logits, head: input.head, classIndex: c), options: o)
        }
    }
}
