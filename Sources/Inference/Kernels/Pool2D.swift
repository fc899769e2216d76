/// Max and average pooling over NCHW windows, with pads, strides, dilations (max only) and
/// ceil mode; average divides by the window's in-image size unless `countIncludePad`.
public struct Pool2D: Sendable {
    public enum Kind: Sendable { case max, average(countIncludePad: Bool) }
    public var kind: Kind
    public var planes: Int, inHeight: Int, inWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var outHeight: Int, outWidth: Int

    /// A pooling over `planes` planes of inHeight × inWidth; pads are top, left, bottom, right.
    public init(kind: Kind, planes: Int, inHeight: Int, inWidth: Int, kernelHeight: Int, kernelWidth: Int,
                strideH: Int, strideW: Int, dilationH: Int, dilationW: Int,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, outHeight: Int, outWidth: Int) {
        self.kind = kind; self.planes = planes; self.inHeight = inHeight; self.inWidth = inWidth
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth; self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.outHeight = outHeight; self.outWidth = outWidth
    }

    /// Output extent along one axis, with ONNX/PyTorch ceil-mode rule (a window may not start in the end padding).
    public static func outputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, ceil: Bool) -> Int {
        let span = dilation * (kernel - 1) + 1
        let numerator = input + padBegin + padEnd - span
        if numerator < 0 { return 0 }
        var out = (ceil ? (numerator + stride - 1) / stride : numerator / stride) + 1
        if ceil && (out - 1) * stride >= input + padBegin { out -= 1 }
        return out
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for p in 0..<planes {
            let src = input + p * inHeight * inWidth
            let dst = output + p * outHeight * outWidth
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    let y0 = oy * strideH - padTop, x0 = ox * strideW - padLeft
                    switch kind {
                    case .max:
                        dst[oy * outWidth + ox] = firstMaximum(src, y0: y0, x0: x0).map { src[$0] } ?? -Float.infinity
                    case .average(let includePad):
                        var sum: Float = 0
                        var count = 0
                        let yEnd = min(y0 + kernelHeight, inHeight + padBottom), xEnd = min(x0 + kernelWidth, inWidth + padRight)
                        for iy in max(y0, 0)..<max(min(y0 + kernelHeight, inHeight), max(y0, 0)) {
                            for ix in max(x0, 0)..<max(min(x0 + kernelWidth, inWidth), max(x0, 0)) {
                                sum += src[iy * inWidth + ix]
                                count += 1
                            }
                        }
                        if includePad { count = (yEnd - y0) * (xEnd - x0) }
                        dst[oy * outWidth + ox] = count > 0 ? sum / Float(count) : 0
                    }
                }
            }
        }
    }
}

extension Pool2D {
    /// Index in the plane of the first largest value of the window at (y0, x0), nil when the
    /// window lies wholly in the padding. The forward max pool's value, and where its gradient goes.
    @inline(__always)
    func firstMaximum(_ src: UnsafePointer<Float>, y0: Int, x0: Int) -> Int? {
        var best = -1
        for ky in 0..<kernelHeight {
            let iy = y0 + ky * dilationH
            if iy < 0 || iy >= inHeight { continue }
            for kx in 0..<kernelWidth {
                let ix = x0 + kx * dilationW
                if ix < 0 || ix >= inWidth { continue }
                let j = iy * inWidth + ix
                if best < 0 || src[j] > src[best] { best = j }
            }
        }
        return best < 0 ? nil : best
    }
}

/// Global average and max pooling: one value per (n, c) plane.
public enum GlobalPool {
    public static func average(_ input: UnsafePointer<Float>, planes: Int, size: Int, into out: UnsafeMutablePointer<Float>) {
        for p in 0..<planes {
            var s: Float = 0
            let src = input + p * size
            for i in 0..<size { s += src[i] }
            out[p] = s / Float(size)
        }
    }

    public static func maximum(_ input: UnsafePointer<Float>, planes: Int, size: Int, into out: UnsafeMutablePointer<Float>) {
        for p in 0..<planes {
            var m = -Float.infinity
            let src = input + p * size
            for i in 0..<size { m = max(m, src[i]) }
            out[p] = m
        }
    }
}
