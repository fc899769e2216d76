import Inference

/// What every method starts from: the features F [K, h, w] of one photo, its logits, the head,
/// the class to explain, and — at a layer other than the head's — ∂logit_c/∂F.
public struct MethodInput {
    public let features: Tensor
    public let logits: [Float]
    public let head: CAMHead
    public let classIndex: Int
    /// ∂logit_c/∂F [K, h, w] from reverse mode, or nil at the head's features (then it is
    /// g_k/(h·w) at every position, from the head in closed form).
    public let gradient: Tensor?

    public var channels: Int { features.shape[features.shape.count - 3] }
    public var height: Int { features.shape[features.shape.count - 2] }
    public var width: Int { features.shape[features.shape.count - 1] }
    var plane: Int { height * width }

    public init(features: Tensor, logits: [Float], head: CAMHead, classIndex: Int, gradient: Tensor? = nil) {
        self.features = features
        self.logits = logits
        self.head = head
        self.classIndex = classIndex
        self.gradient = gradient
    }

    /// ∂logit_c/∂F at every position [K, h, w]: the reverse-mode gradient, or the head's g_k/(h·w)
    /// spread over the plane.
    func positionGradient() throws(CAMError) -> [Float] {
        if let gradient { return gradient.data }
        let g = try pooledGradient(), n = plane
        var out = [Float](repeating: 0, count: channels * n)
        for k in 0..<channels { let v = g[k] / Float(n); for i in 0..<n { out[k * n + i] = v } }
        return out
    }

    /// Per channel Σ_ij G_k[i,j]·F_k[i,j].
    func gradientActivationSums(_ g: [Float]) -> [Float] {
        let n = plane
        return (0..<channels).map { k in
            var s: Float = 0
            for i in 0..<n { s += g[k * n + i] * features.data[k * n + i] }
            return s
        }
    }

    /// Per position and channel f(G, F), for the element-wise methods.
    func elementwise(_ g: [Float], _ f: (Float, Float) -> Float) -> [Float] {
        zip(g, features.data).map { f($0, $1) }
    }

    /// The pooled vector p_k = mean over positions of F_k (what the global pool feeds the head).
    var pooled: [Float] {
        let n = Float(plane)
        return channelSums.map { $0 / n }
    }

    /// g_k = ∂logit_c/∂p_k: row c of W for a linear head, else the head program's gradient.
    /// ∂logit_c/∂F_k[i,j] is then g_k/(h·w) at every position. Only at the head's features.
    func pooledGradient() throws(CAMError) -> [Float] {
        if let program = head.program { return try program.gradient(pooled: pooled, classIndex: classIndex) }
        return head.classWeights(classIndex)
    }

    /// Σ_k w_k F_k.
    func weightedSum(_ w: [Float]) -> [Float] {
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
    func weightedChannels(_ w: [Float]) -> [Float] {
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
