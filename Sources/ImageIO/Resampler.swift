import CPixelKernels

/// Resamples RGB images exactly as Pillow's `Image.resize(size, BILINEAR | BICUBIC)` does:
/// separable convolution whose support widens by the scale when shrinking (antialiasing),
/// 22-bit fixed-point weights, a horizontal pass into an 8-bit buffer, then a vertical pass.
/// Written by hand because the model's reference preprocessing is Pillow's, and another
/// resizer (OpenCV's, libswscale's) changes top-1 on a third of real photos. The weights are
/// computed here; the two passes run in C (`CPixelKernels`) on whole rows with AVX-512 or AVX2 where
/// the CPU has them — integer arithmetic, the same bytes on every path.
public struct Resampler: Sendable {
    /// The interpolation kernel.
    public enum Filter: String, Sendable, CaseIterable {
        case bilinear
        case bicubic

        var support: Double { self == .bilinear ? 1.0 : 2.0 }

        func weight(_ x: Double) -> Double {
            let x = abs(x)
            switch self {
            case .bilinear:
                return x < 1.0 ? 1.0 - x : 0.0
            case .bicubic:
                let a = -0.5
                if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
                if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
                return 0.0
            }
        }
    }

    /// The kernel used.
    public let filter: Filter
    /// The passes' instruction set.
    public let level: PixelLevel

    public init(filter: Filter, level: PixelLevel = .best) {
        self.filter = filter
        self.level = level.isSupported ? level : .scalar
    }

    static let precisionBits = 32 - 8 - 2

    /// Fixed-point weights of one axis: for output index i, taps start at `first[i]`.
    struct Coefficients {
        var first: [Int]
        var count: [Int]
        var weights: [Int32] // outSize * taps
        var taps: Int
    }

    func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                total += w
            }
            for x in 0..<max(xmax, 0) {
                let w = total != 0 ? k[x] / total : k[x]
                let scaled = w * Double(1 << Resampler.precisionBits)
                weights[xx * taps + x] = Int32(w < 0 ? (-0.5 + scaled) : (0.5 + scaled))
            }
            first[xx] = xmin
            count[xx] = max(xmax, 0)
        }
        return Coefficients(first: first, count: count, weights: weights, taps: taps)
    }

    /// The image resized to `width` × `height`. Same size returns the input unchanged.
    public func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "resize to an empty size")
        if width == image.width && height == image.height { return image }
        let vertical = coefficients(inSize: image.height, outSize: height)
        var source = image
        var rowOffset = 0
        if width != image.width {
            // Only the rows the vertical pass will read are resampled horizontally.
            let firstRow = vertical.first[0]
            let lastRow = vertical.first[height - 1] + vertical.count[height - 1]
            source = horizontalPass(image, width: width, rows: firstRow..<lastRow)
            rowOffset = firstRow
        }
        if height == image.height && rowOffset == 0 && source.height == height { return source }
        return verticalPass(source, height: height, coefficients: vertical, rowOffset: rowOffset)
    }

    func horizontalPass(_ image: RGBImage, width: Int, rows: Range<Int>) -> RGBImage {
        let c = coefficients(inSize: image.width, outSize: width)
        var out = [UInt8](repeating: 0, count: width * rows.count * 3)
        let first = c.first.map { Int32($0) }, count = c.count.map { Int32($0) }
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                camkit_rs_horizontal(level.rawValue, src.baseAddress! + rows.lowerBound * image.width * 3, image.width * 3,
                                     dst.baseAddress!, width * 3, rows.count, width, first, count, c.weights, c.taps)
            }
        }
        return RGBImage(width: width, height: rows.count, pixels: out)
    }

    func verticalPass(_ image: RGBImage, height: Int, coefficients c: Coefficients, rowOffset: Int) -> RGBImage {
        var out = [UInt8](repeating: 0, count: image.width * height * 3)
        let first = c.first.map { Int32($0 - rowOffset) }, count = c.count.map { Int32($0) }
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                camkit_rs_vertical(level.rawValue, src.baseAddress!, dst.baseAddress!, image.width * 3, height, first, count, c.weights, c.taps)
            }
        }
        return RGBImage(width: image.width, height: height, pixels: out)
    }
}
