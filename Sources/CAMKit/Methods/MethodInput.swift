import Inference

/// What every method starts from: the features F [K, h, w] of one photo, its logits, the head,
/// and the class to explain.
public struct MethodInput {
    public let features: Tensor
    public let logits: [Float]
    public let head: CAMHead
    public let classIndex: Int

    public var channels: Int { features.shape[features.shape.count - 3] }
    public var height: Int { features.shape[features.shape.count - 2] }
    public var width: Int { features.shape[features.shape.count - 1] }
    var plane: Int { height * width }

    public init(features: Tensor, logits: [Float], head: CAMHead, classIndex: Int) {
        self.features = features
        self.logits = logits
        self.head = head
        self.classIndex = classIndex
    }

    /// The pooled vector p_k = mean over positions of F_k (what the global pool feeds the head).
    public var pooled: [Float] {
        let n = Float(plane)
        return channelSums.map { $0 / n }
    }

    /// g_k = ∂logit_c/∂p_k: row c of W for a linear head, else the head program's gradient.
    /// ∂logit_c/∂F_k[i,j] is then g_k/(h·w) at every position.
    public func pooledGradient() throws(CAMError) -> [Float] {
        if let program = head.program { return try program.gradient(pooled: pooled, classIndex: classIndex) }
        return head.classWeights(classIndex)
    }

    /// Σ_k w_k F_k.
    public func weightedSum(_ w: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: plane)
        let n = plane
        features.data.withUnsafeBufferPointer { f in
            for k in 0..<channels where w[k] != 0 {
                let weight = w[k], base = f.baseAddress! + k * n
                for i in 0..<n { out[i] += weight * base[i] }
            }
        }
        return out
    }

    /// The channels scaled by w_k, for `--eigen-smooth` (the principal component of w_k·F_k
    /// instead of their sum, as pytorch-grad-cam does).
    public func weightedChannels(_ w: [Float]) -> [Float] {
        var out = features.data
        let n = plane
        for k in 0..<channels { for i in 0..<n { out[k * n + i] *= w[k] } }
        return out
    }

    /// Σ_ij F_k[i,j] per channel.
    var channelSums: [Float] {
        let n = plane
        return (0..<channels).map { k in
            var s: Float = 0
            for i in 0..<n { s += features.data[k * n + i] }
            return s
        }
    }
}
