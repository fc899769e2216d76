import ImageIO
import Inference

/// Photo → model input tensor (1×3×H×W, float32), following a sidecar's recipe.
public struct Preprocessor: Sendable {
    public var config: ModelSidecar

    public init(config: ModelSidecar) { self.config = config }

    /// The tensor and the geometry that placed it; refuses photos whose resized size is over
    /// `Geometry`'s limits (an extreme aspect ratio in `crop` mode, a huge `--size`).
    public func prepare(_ photo: RGBImage) throws(CAMError) -> (Tensor, Geometry) {
        let g = Geometry.plan(photoWidth: photo.width, photoHeight: photo.height, size: config.inputSize, stride: config.stride, mode: config.resize)
        guard g.isWithinLimits else {
            throw .photoTooLargeForModel(width: photo.width, height: photo.height,
                                         resized: g.resizedWidth.multipliedReportingOverflow(by: g.resizedHeight).partialValue,
                                         input: g.inputWidth * g.inputHeight)
        }
        var image = photo
        if !g.isIdentity {
            let filter: Resampler.Filter = config.interpolation == .bicubic ? .bicubic : .bilinear
            image = Resampler(filter: filter, path: .active).resize(photo, width: g.resizedWidth, height: g.resizedHeight)
        }
        let w = g.inputWidth, h = g.inputHeight
        var data = [Float](repeating: 0, count: 3 * w * h)
        let order = config.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        image.pixels.withUnsafeBufferPointer { px in
            data.withUnsafeMutableBufferPointer { out in
                for c in 0..<3 {
                    let src = order[c], mean = config.mean[src], std = config.std[src]
                    let plane = out.baseAddress! + c * w * h
                    for y in 0..<h {
                        let row = px.baseAddress! + ((y + g.cropY) * image.width + g.cropX) * 3 + src
                        for x in 0..<w { plane[y * w + x] = (Float(row[x * 3]) - mean) / std }
                    }
                }
            }
        }
        return (Tensor(shape: [1, 3, h, w], data: data), g)
    }

    /// The black photo (0 in every channel) as this recipe normalises it, [3 × height × width]:
    /// Integrated Gradients' black baseline.
    func blackInput(width: Int, height: Int) -> [Float] {
        let order = config.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        return order.flatMap { src in [Float](repeating: -config.mean[src] / config.std[src], count: width * height) }
    }
}

