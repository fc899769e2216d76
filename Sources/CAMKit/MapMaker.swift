import Inference

/// Raw maps of one photo's classes by the settings' method, with `--aug-smooth`'s extra passes
/// run once per photo.
public struct MapMaker {
    let input: MethodInput
    let options: MethodMap.Options
    let views: [AugmentationSmoothing.View]?
    let method: CAMMethod
    /// Set when maps are computed at a layer other than the head's: the session and model
    /// input its gradient runs need.
    let layer: (names: [String], session: ClassifierSession, tensor: Tensor)?
    let pixel: PixelAttribution.Options
    let rollout: AttentionRollout.Options
    /// Occlusion's and RISE's forward passes, shared by the photo's classes.
    let pixelScores = PixelAttribution.ScoreCache()

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
        self.pixel = settings.pixel
        self.rollout = settings.rollout
        if CAMMethod.attentionMethods.contains(settings.method) {
            // The attention of every layer, on the token grid: no layer to choose, no smoothing.
            guard settings.layers.isEmpty else { throw CAMError.attentionMethodAtLayer(method: settings.method.rawValue) }
            guard !settings.augSmooth && !settings.eigenSmooth else {
                throw CAMError.methodNeedsFinalLayer(method: "\(settings.method.rawValue) with --aug-smooth or --eigen-smooth", layer: "attention")
            }
            layer = ([], session, tensor)
            views = nil
            return
        }
        if CAMMethod.pixelMethods.contains(settings.method) {
            guard settings.layers.isEmpty || settings.layers == [session.classifier.inputName] else {
                throw CAMError.pixelMethodAtLayer(method: settings.method.rawValue)
            }
            guard !settings.augSmooth && !settings.eigenSmooth else {
                throw CAMError.methodNeedsFinalLayer(method: "\(settings.method.rawValue) with --aug-smooth or --eigen-smooth", layer: "input")
            }
            layer = ([session.classifier.inputName], session, tensor)
            views = nil
            return
        }
        // A class-token head has no pooled features: its maps always come from a layer's gradient.
        if head.classToken || (!settings.layers.isEmpty && settings.layers != [head.featureName]) {
            let names = settings.layers.isEmpty ? [head.featureName] : settings.layers
            let name = names.first { $0 != head.featureName } ?? names[0]
            guard CAMMethod.layerMethods.contains(settings.method) else {
                throw CAMError.methodNeedsFinalLayer(method: settings.method.rawValue, layer: name)
            }
            guard !settings.augSmooth else { throw CAMError.methodNeedsFinalLayer(method: "\(settings.method.rawValue) --aug-smooth", layer: name) }
            layer = (names, session, tensor)
        } else {
            layer = nil
        }
        views = settings.augSmooth
            ? try times.measure(.forward) { try AugmentationSmoothing.views(of: tensor) { let r = try session.run($0); return (r.logits, r.features) } }
            : nil
    }

    /// The raw map of class `c` (for `--aug-smooth`, the average of the views' scaled maps).
    public func raw(_ c: Int) throws -> ClassActivationMap {
        if let layer, CAMMethod.attentionMethods.contains(method) {
            return try AttentionRollout.map(method, input: layer.tensor, classIndex: c, session: layer.session, options: rollout)
        }
        if let layer, CAMMethod.pixelMethods.contains(method) {
            let session = layer.session, x = layer.tensor
            let h = x.shape[2], w = x.shape[3]
            let black = Preprocessor(config: session.classifier.config).blackInput(width: w, height: h)
            if method == .fullgrad { return try FullGrad.map(x, classIndex: c, session: session) }
            if method == .rise {
                return try RISE.map(x, classIndex: c, options: pixel, batchSize: options.batchSize, cache: pixelScores) { try session.logits(batch: $0) }
            }
            let guided = method == .guidedbackprop || method == .guidedgradcam
            var a = method == .occlusion
                ? try PixelAttribution.occlusion(x, classIndex: c, window: pixel.occlusionWindow, stride: pixel.occlusionStride,
                                                 batchSize: options.batchSize, cache: pixelScores) { try session.logits(batch: $0) }
                : try PixelAttribution.attribution(method, x: x, options: pixel, blackInput: black) {
                    try session.layerGradients($0, layers: layer.names, classIndex: c, guidedReLU: guided).gradients[layer.names[0]]!.data
                }
            if method == .guidedgradcam {
                // pytorch-grad-cam's recipe: Grad-CAM at the head, ReLU and min–max, resized to
                // the input (bilinear), min–max again (the resized peak falls between pixel
                // centres), times guided backpropagation in every channel.
                let cam = try MethodMap.raw(.gradcam, MethodInput(features: input.features, logits: input.logits, head: input.head, classIndex: c))
                let resized = MapUpsampler.resize(cam.normalized().values, width: cam.width, height: cam.height, toWidth: w, height: h)
                let mask = ClassActivationMap(width: w, height: h, values: resized).normalized().values
                for ch in 0..<3 { for i in 0..<(w * h) { a[ch * w * h + i] *= mask[i] } }
            }
            var map = ClassActivationMap(width: w, height: h, values: PixelAttribution.channelSum(a, height: h, width: w))
            map.scale = .absoluteCumulative(percent: 98)
            return map
        }
        if let layer {
            let r = try layer.session.layerGradients(layer.tensor, layers: layer.names, classIndex: c)
            let maps = try layer.names.map { name in
                try MethodMap.raw(method, MethodInput(features: r.features[name]!, logits: r.logits, head: input.head, classIndex: c,
                                                      gradient: r.gradients[name]!), options: options)
            }
            return maps.count == 1 ? maps[0] : LayerFusion.average(maps, width: layer.tensor.shape[3], height: layer.tensor.shape[2])
        }
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
