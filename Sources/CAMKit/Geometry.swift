/// How a photo is fitted to the model input.
public enum ResizeMode: String, Codable, Sendable, CaseIterable {
    /// Shorter side to the model size, longer side scaled and rounded to the stride; nothing cropped.
    case full
    /// Shorter side to size/0.875, then a centre crop of size×size.
    case crop
    /// Resized to size×size, ignoring aspect.
    case stretch
}

/// Records how the model input was cut from the photo, so maps go back exactly where they came from.
/// Model input pixel (u, v) is pixel (u + cropX, v + cropY) of the photo resized to
/// resizedWidth × resizedHeight.
public struct Geometry: Sendable, Equatable, Codable {
    public var photoWidth: Int, photoHeight: Int
    public var resizedWidth: Int, resizedHeight: Int
    public var cropX: Int, cropY: Int
    public var inputWidth: Int, inputHeight: Int
    public var mode: ResizeMode

    /// The long side in `full` mode is capped at this multiple of the model size.
    static let maxLongSideFactor = 4

    /// The most pixels a photo is resized to (64 MP), and the largest model input (4096², 16 MP):
    /// beyond these the activations alone would outgrow the machine.
    static let maxResizedPixels = 1 << 26
    static let maxInputPixels = 1 << 24

    /// Whether the resized photo and the model input stay within the limits.
    var isWithinLimits: Bool {
        resizedWidth.multipliedReportingOverflow(by: resizedHeight).partialValue <= Geometry.maxResizedPixels
            && resizedWidth <= Geometry.maxResizedPixels && resizedHeight <= Geometry.maxResizedPixels
            && inputWidth * inputHeight <= Geometry.maxInputPixels
    }

    /// Plans the geometry for a photo.
    public static func plan(photoWidth w: Int, photoHeight h: Int, size: Int, stride: Int, mode: ResizeMode) -> Geometry {
        switch mode {
        case .stretch:
            return Geometry(photoWidth: w, photoHeight: h, resizedWidth: size, resizedHeight: size, cropX: 0, cropY: 0,
                            inputWidth: size, inputHeight: size, mode: mode)
        case .full:
            let m = max(stride, 1)
            let maxLong = max(m, (size * maxLongSideFactor) / m * m)
            func long(_ longSide: Int, _ shortSide: Int) -> Int {
                let scaled = Double(longSide) * Double(size) / Double(shortSide) / Double(m)
                return min(max(Int((scaled + 0.5).rounded(.down)) * m, m), maxLong)
            }
            let (nw, nh) = w <= h ? (size, long(h, w)) : (long(w, h), size)
            return Geometry(photoWidth: w, photoHeight: h, resizedWidth: nw, resizedHeight: nh, cropX: 0, cropY: 0,
                            inputWidth: nw, inputHeight: nh, mode: mode)
        case .crop:
            let r = Int((Double(size) / 0.875 + 0.5).rounded(.down))
            let (rw, rh) = w <= h ? (r, Int(Double(r) * Double(h) / Double(w))) : (Int(Double(r) * Double(w) / Double(h)), r)
            let cx = Int((Double(rw - size) / 2).rounded(.toNearestOrEven))
            let cy = Int((Double(rh - size) / 2).rounded(.toNearestOrEven))
            return Geometry(photoWidth: w, photoHeight: h, resizedWidth: rw, resizedHeight: rh, cropX: cx, cropY: cy,
                            inputWidth: size, inputHeight: size, mode: mode)
        }
    }

    /// Whether the photo goes in unresampled.
    var isIdentity: Bool {
        resizedWidth == photoWidth && resizedHeight == photoHeight && cropX == 0 && cropY == 0
            && inputWidth == photoWidth && inputHeight == photoHeight
    }

    /// Model-input x coordinate (continuous, pixel centres at integers) of photo x.
    @inline(__always) func inputX(photoX x: Double) -> Double {
        (x + 0.5) * Double(resizedWidth) / Double(photoWidth) - 0.5 - Double(cropX)
    }

    /// Model-input y coordinate of photo y.
    @inline(__always) func inputY(photoY y: Double) -> Double {
        (y + 0.5) * Double(resizedHeight) / Double(photoHeight) - 0.5 - Double(cropY)
    }

    /// Photo x of model-input x (inverse of `inputX`).
    func photoX(inputX u: Double) -> Double {
        (u + 0.5 + Double(cropX)) * Double(photoWidth) / Double(resizedWidth) - 0.5
    }

    /// Photo y of model-input y.
    func photoY(inputY v: Double) -> Double {
        (v + 0.5 + Double(cropY)) * Double(photoHeight) / Double(resizedHeight) - 0.5
    }
}
