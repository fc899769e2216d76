import ImageIO

/// Settings of an explanation run.
public struct ExplainSettings: Sendable {
    public var topK = 1
    /// Explain this class instead of the top ones.
    public var classIndex: Int?
    public var boxThreshold: Float = 0.2
    public var overlay = Overlay()
    public var drawBoxes = false
    public var saveRaw = false
    public var decode = DecodeOptions()
    public var method: CAMMethod = .cam
    /// Integrated Gradients' and SmoothGrad's knobs.
    public var pixel = PixelAttribution.Options()
    /// rollout's knobs.
    public var rollout = AttentionRollout.Options()
    /// The layers to explain (value names, see `LayerCatalog`); empty = the head's feature map.
    /// Several are fused as pytorch-grad-cam fuses them (`LayerFusion`).
    public var layers: [String] = []
    /// Principal component of the weighted channels instead of their sum.
    public var eigenSmooth = false
    /// Average over flipped and intensity-scaled inputs (see `AugmentationSmoothing`).
    public var augSmooth = false
    /// Images per forward pass for Score-CAM.
    public var batchSize = 16
    /// How overlay PNGs are compressed.
    public var pngLevel: PNGEncoder.Level = .fast
    /// The overlays' file format, and the quality of the lossy ones.
    public var overlayFormat: OverlayFormat = .png
    public var quality = OverlayFormat.defaultQuality

    public init() {}
}
