import CPixelKernels
import ImageIO
import Inference

/// A normalised map placed on the photo through its Geometry, sampled a row at a time so that a
/// 24-megapixel photo never needs a 24-megapixel float map in memory.
public struct PhotoMap: Sendable {
    /// The map at model-input resolution (values in [0, 1]).
    public let input: [Float]
    public let geometry: Geometry
    /// The map sampled at the photo's size, when the box search already made it (nil for
    /// photos over `localisationPixels`, whose overlay samples a row at a time).
    public private(set) var photoSized: [Float]? = nil

    /// Upsamples a feature-grid map (w×h) to the model input.
    public init(normalized map: [Float], width w: Int, height h: Int, geometry: Geometry) {
        self.geometry = geometry
        self.input = MapUpsampler.resize(map, width: w, height: h, toWidth: geometry.inputWidth, height: geometry.inputHeight)
    }

    /// Column taps for sampling rows at `width` output columns (photo width, or a reduced grid's),
    /// in the C loop's types (`camkit_px_map_row`).
    struct Columns {
        let x0: [Int32], x1: [Int32], fx: [Float], inside: [UInt8]
    }

    /// Taps for a grid of `width` columns spanning the photo's width.
    func columns(width: Int) -> Columns {
        let g = geometry, iw = g.inputWidth
        let scale = Double(g.photoWidth) / Double(width)
        var x0 = [Int32](repeating: 0, count: width), x1 = x0, fx = [Float](repeating: 0, count: width)
        var inside = [UInt8](repeating: 0, count: width)
        for x in 0..<width {
            let u = g.inputX(photoX: (Double(x) + 0.5) * scale - 0.5)
            let (i0, i1, f) = MapUpsampler.tap(u, iw)
            (x0[x], x1[x], fx[x]) = (Int32(i0), Int32(i1), f)
            inside[x] = u >= -0.5 && u <= Double(iw) - 0.5 ? 1 : 0
        }
        return Columns(x0: x0, x1: x1, fx: fx, inside: inside)
    }

    /// Writes row y of a grid `height` rows tall spanning the photo into `out` (count = columns);
    /// -1 marks points outside the model's view. The sampling runs in C on the process's CPU
    /// path (gathers for the column taps; the same floats on every path).
    func row(_ y: Int, height: Int, columns c: Columns, scratch: inout [Float], into out: UnsafeMutablePointer<Float>,
             level: PixelLevel = PixelLevel(.active)) {
        let g = geometry, iw = g.inputWidth, ih = g.inputHeight
        let n = c.x0.count
        let v = g.inputY(photoY: (Double(y) + 0.5) * Double(g.photoHeight) / Double(height) - 0.5)
        guard v >= -0.5 && v <= Double(ih) - 0.5 else {
            out.initialize(repeating: -1, count: n)
            return
        }
        let (y0, y1, fy) = MapUpsampler.tap(v, ih)
        input.withUnsafeBufferPointer { src in
            camkit_px_map_row(level.rawValue, src.baseAddress! + y0 * iw, src.baseAddress! + y1 * iw, fy, iw, &scratch,
                              c.x0, c.x1, c.fx, c.inside, n, out)
        }
    }

    /// The whole map on a width×height grid spanning the photo (the photo's own size gives the
    /// full-resolution map).
    public func sampled(width: Int, height: Int) -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        let c = columns(width: width)
        var scratch = [Float](repeating: 0, count: geometry.inputWidth)
        out.withUnsafeMutableBufferPointer { buf in
            for y in 0..<height { row(y, height: height, columns: c, scratch: &scratch, into: buf.baseAddress! + y * width) }
        }
        return out
    }

    /// Largest grid on which boxes are searched (0.5 megapixels); larger photos are searched on a
    /// reduced grid and the box scaled back, to within one grid cell (2 px at 2 MP, 7 px at 24 MP).
    /// The map itself comes from a feature grid of 7×7 to 28×28 cells, so a finer search would only
    /// resolve interpolation, at 4× the cost for a 2 MP photo.
    static let localisationPixels = 500_000

    /// The grid boxes are searched on: the photo's size, or the largest grid of the same aspect
    /// within `localisationPixels`.
    public var localisationGrid: (width: Int, height: Int) {
        let pw = geometry.photoWidth, ph = geometry.photoHeight
        let factor = max(1, (Double(pw * ph) / Double(PhotoMap.localisationPixels)).squareRoot())
        return (max(1, Int((Double(pw) / factor).rounded())), max(1, Int((Double(ph) / factor).rounded())))
    }

    /// The box and peak in photo pixels, and the share of positive map mass inside the box.
    public func localise(threshold: Float) -> (Localisation, Float?) {
        let (loc, mass, _) = localiseKeepingGrid(threshold: threshold)
        return (loc, mass)
    }

    /// `localise`, and the map at the photo's own size when the search grid is that size (photos
    /// of up to `localisationPixels`), for `keepingPhotoSized`.
    func localiseKeepingGrid(threshold: Float) -> (Localisation, Float?, [Float]?) {
        let pw = geometry.photoWidth, ph = geometry.photoHeight
        let (gw, gh) = localisationGrid
        let grid = sampled(width: gw, height: gh)
        var loc = Localisation.find(map: grid, width: gw, height: gh, threshold: threshold)
        let mass = loc.box.map { Explainer.massInside(grid, width: gw, box: $0) }
        if gw != pw || gh != ph {
            let sx = Double(pw) / Double(gw), sy = Double(ph) / Double(gh)
            loc.box = loc.box.map { b in
                Box(x0: Int(Double(b.x0) * sx), y0: Int(Double(b.y0) * sy),
                    x1: min(pw - 1, Int(Double(b.x1 + 1) * sx) - 1), y1: min(ph - 1, Int(Double(b.y1 + 1) * sy) - 1))
            }
            loc.peak = loc.peak.map { p in [min(pw - 1, Int((Double(p[0]) + 0.5) * sx)), min(ph - 1, Int((Double(p[1]) + 0.5) * sy))] }
            return (loc, mass, nil)
        }
        return (loc, mass, grid)
    }

    /// This map with `photoSized` set: the overlay then blends rows of it instead of sampling
    /// them again (the same `row` made them, so the same floats).
    func keepingPhotoSized(_ values: [Float]?) -> PhotoMap {
        var copy = self
        if let values, values.count == geometry.photoWidth * geometry.photoHeight { copy.photoSized = values }
        return copy
    }
}
