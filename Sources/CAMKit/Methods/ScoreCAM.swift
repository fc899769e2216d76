import Inference

/// Score-CAM: each channel F_k, upsampled to the model input (bilinear with corner alignment,
/// as torch's UpsamplingBilinear2d in pytorch-grad-cam) and scaled to [0, 1]
/// ((u − min)/(max − min + 1e-8)), masks the input; the class logits of the K masked inputs,
/// run in batches, go through a softmax over channels to give α_k; map Σ_k α_k F_k.
public enum ScoreCAM {
    /// The K×C logits of one model input, once computed.
    public final class Cache {
        var scores: [[Float]]?
        public init() {}
    }

    /// α_k for class c: softmax over channels of the masked inputs' logits of c.
    static func weights(_ scores: [[Float]], classIndex c: Int) -> [Float] {
        Explainer.softmax(scores.map { $0[c] })
    }

    /// The logits of the K masked inputs; `forward` returns the logits of each image of a batch [B, 3, H, W].
    static func scores(_ input: MethodInput, modelInput x: Tensor, batchSize: Int,
                       forward: (Tensor) throws -> [[Float]]) throws -> [[Float]] {
        let k = input.channels, h = input.height, w = input.width
        let height = x.shape[2], width = x.shape[3], plane = height * width
        var scores: [[Float]] = []
        let batch = max(1, batchSize)
        var start = 0
        while start < k {
            let count = min(batch, k - start)
            var data = [Float](repeating: 0, count: count * 3 * plane)
            for b in 0..<count {
                let mask = upsampledMask(input.features.data, channel: start + b, h: h, w: w, height: height, width: width)
                for ch in 0..<3 {
                    let src = ch * plane, dst = (b * 3 + ch) * plane
                    for i in 0..<plane { data[dst + i] = x.data[src + i] * mask[i] }
                }
            }
            let logits = try forward(Tensor(shape: [count, 3, height, width], data: data))
            scores += logits
            start += count
        }
        return scores
    }

    /// Channel `k` upsampled with align-corners bilinear interpolation and min–max scaled.
    static func upsampledMask(_ f: [Float], channel k: Int, h: Int, w: Int, height: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: height * width)
        let base = k * h * w
        let sy = height > 1 ? Float(h - 1) / Float(height - 1) : 0
        let sx = width > 1 ? Float(w - 1) / Float(width - 1) : 0
        for y in 0..<height {
            let fy = Float(y) * sy
            let y0 = min(Int(fy), h - 1), y1 = min(y0 + 1, h - 1), ty = fy - Float(y0)
            for x in 0..<width {
                let fx = Float(x) * sx
                let x0 = min(Int(fx), w - 1), x1 = min(x0 + 1, w - 1), tx = fx - Float(x0)
                let top = f[base + y0 * w + x0] * (1 - tx) + f[base + y0 * w + x1] * tx
                let bottom = f[base + y1 * w + x0] * (1 - tx) + f[base + y1 * w + x1] * tx
                out[y * width + x] = top * (1 - ty) + bottom * ty
            }
        }
        let lo = out.min() ?? 0, hi = out.max() ?? 0
        let scale = 1 / (hi - lo + 1e-8)
        return out.map { ($0 - lo) * scale }
    }
}

#if canImport(Glibc)
import Glibc
#endif
