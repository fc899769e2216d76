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
        func add(_ channel: UnsafeBufferPointer<Float>, width cw: Int, height ch: Int, scale: Float) {
            let t = channel.map { abs($0 * scale) }
            let lo = t.min() ?? 0
            let shifted = t.map { $0 - lo }
            let hi = shifted.max() ?? 0
            let n = shifted.map { $0 / (1e-7 + hi) }
            let resized = cw == w && ch == h ? n : MapUpsampler.resize(n, width: cw, height: ch, toWidth: w, height: h)
            for i in 0..<plane { sum[i] += resized[i] }
        }
        let input = session.classifier.inputName
        let r = try session.layerGradients(x, layers: [input], classIndex: c) { layer in
            let size = layer.height * layer.width
            for k in 0..<layer.channels {
                add(UnsafeBufferPointer(start: layer.gradient + k * size, count: size), width: layer.width, height: layer.height, scale: layer.bias[k])
            }
        }
        let g = r.gradients[input]!.data
        let product = zip(g, x.data).map { $0 * $1 }
        product.withUnsafeBufferPointer { p in
            for k in 0..<3 { add(UnsafeBufferPointer(rebasing: p[(k * plane)..<((k + 1) * plane)]), width: w, height: h, scale: 1) }
        }
        return ClassActivationMap(width: w, height: h, values: sum)
    }
}
