import Inference

/// FullGrad (Srinivas & Fleuret, NeurIPS 2019) as pytorch-grad-cam 1.5.7 computes it: the
/// input term |∂y/∂x ⊙ x| and, for every biased layer (each convolution with a bias — a folded
/// BatchNormalization's included — and each standalone BatchNormalization), |b_c · ∂y/∂out_c|;
/// every channel of every term normalised on its own, N(m) = (m − min)/(max(m − min) + 1e-7),
/// then resized to the input (bilinear, half-pixel) and summed. The raw map is that sum (the
/// picture normalises it once more). Linear layers' biases are not counted, as there.
enum FullGrad {
    static func map(_ x: Tensor, classIndex c: Int, session: ClassifierSession) throws -> ClassActivationMap {
        let h = x.shape[2], w = x.shape[3], plane = h * w
        var sum = [Float](repeating: 0, count: plane)
        /// N(|scale·channel|) added into `into` (same size as the channel).
        func addNormalised(_ channel: UnsafeBufferPointer<Float>, scale: Float, into out: inout [Float]) {
            let n = ClassActivationMap.minMaxScaled(channel.lazy.map { abs($0 * scale) })
            for i in n.indices { out[i] += n[i] }
        }
        // Resizing is linear: a layer's normalised channels are summed at its own resolution and
        // resized once (pytorch-grad-cam resizes each channel; the sums are the same).
        func addResized(_ map: [Float], width cw: Int, height ch: Int) {
            let resized = cw == w && ch == h ? map : MapUpsampler.resize(map, width: cw, height: ch, toWidth: w, height: h)
            for i in 0..<plane { sum[i] += resized[i] }
        }
        let input = session.classifier.inputName
        let r = try session.layerGradients(x, layers: [input], classIndex: c) { layer in
            let size = layer.height * layer.width
            var layerSum = [Float](repeating: 0, count: size)
            for k in 0..<layer.channels {
                addNormalised(UnsafeBufferPointer(start: layer.gradient + k * size, count: size), scale: layer.bias[k], into: &layerSum)
            }
            addResized(layerSum, width: layer.width, height: layer.height)
        }
        let g = r.gradients[input]!.data
        let product = zip(g, x.data).map { $0 * $1 }
        var inputSum = [Float](repeating: 0, count: plane)
        product.withUnsafeBufferPointer { p in
            for k in 0..<3 { addNormalised(UnsafeBufferPointer(rebasing: p[(k * plane)..<((k + 1) * plane)]), scale: 1, into: &inputSum) }
        }
        addResized(inputSum, width: w, height: h)
        return ClassActivationMap(width: w, height: h, values: sum)
    }
}
