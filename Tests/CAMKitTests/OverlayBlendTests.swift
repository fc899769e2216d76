@testable import CAMKit
import ImageIO
import Testing
import TestSupport

/// The overlay's map sampling and blend (C, `camkit_px_map_row`, `camkit_px_blend_row`) on each
/// instruction set against their formulas in plain Swift loops: the bilinear taps, and photo·(256 − a) + colour·a + 128, shifted by 8, where the map value is ≥ 0
/// and ≥ the threshold. Widths around the vector loops' 8 and 16 pixels, crops (points outside
/// the model's view, −1), thresholds and alphas at their ends.
@Suite("overlay sampling and blend: every instruction set against the naive formulas")
struct OverlayBlendTests {
    static let levels = PixelLevel.allCases.filter(\.isSupported)

    /// The map on a width × height grid, by the bilinear formula in plain Swift: the two input
    /// rows blended by fy, then the two columns by fx; −1 outside the model's view.
    static func naiveSample(_ map: PhotoMap, width: Int, height: Int) -> [Float] {
        let g = map.geometry, iw = g.inputWidth, ih = g.inputHeight, c = map.columns(width: width)
        var out = [Float](repeating: -1, count: width * height)
        for y in 0..<height {
            let v = g.inputY(photoY: (Double(y) + 0.5) * Double(g.photoHeight) / Double(height) - 0.5)
            guard v >= -0.5 && v <= Double(ih) - 0.5 else { continue }
            let (y0, y1, fy) = MapUpsampler.tap(v, ih)
            func at(_ i: Int32) -> Float { map.input[y0 * iw + Int(i)] * (1 - fy) + map.input[y1 * iw + Int(i)] * fy }
            for x in 0..<width where c.inside[x] == 1 {
                out[y * width + x] = at(c.x0[x]) * (1 - c.fx[x]) + at(c.x1[x]) * c.fx[x]
            }
        }
        return out
    }

    static func naive(_ overlay: Overlay, photo: RGBImage, map: PhotoMap) -> [UInt8] {
        let values = naiveSample(map, width: photo.width, height: photo.height), table = overlay.colormap.table
        let a = Int((min(max(overlay.alpha, 0), 1) * 256).rounded())
        var out = photo.pixels
        for i in 0..<values.count {
            let v = values[i]
            if v < 0 || v < (overlay.threshold ?? -0.5) { continue }
            let t = Int(min(max(v, 0), 1) * 255 + 0.5) * 3   // the table entry, rounded and clamped
            for c in 0..<3 { out[i * 3 + c] = UInt8((Int(out[i * 3 + c]) * (256 - a) + Int(table[t + c]) * a + 128) >> 8) }
        }
        return out
    }

    @Test(arguments: levels)
    func blendIsTheFormula(level: PixelLevel) {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for (w, h, mode) in [(1, 1, ResizeMode.full), (7, 5, .full), (15, 9, .crop), (16, 16, .full), (17, 3, .stretch),
                             (33, 20, .crop), (257, 31, .full), (64, 200, .crop)] {
            let photo = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: next()) })
            let cells = (0..<49).map { _ in Float(next() % 1001) / 1000 }   // 0...1, both ends included
            let geometry = Geometry.plan(photoWidth: w, photoHeight: h, size: 32, stride: 4, mode: mode)
            let map = PhotoMap(normalized: cells, width: 7, height: 7, geometry: geometry)
            var row = [Float](repeating: 0, count: w), scratch = [Float](repeating: 0, count: geometry.inputWidth)
            let columns = map.columns(width: w), reference = Self.naiveSample(map, width: w, height: h)
            for y in 0..<h {
                map.row(y, height: h, columns: columns, scratch: &scratch, into: &row, level: level)
                #expect(row == Array(reference[y * w..<(y + 1) * w]), "map row \(y), \(level) \(w)x\(h) \(mode)")
            }
            for (alpha, threshold) in [(Float(0.5), Float?.none), (0, nil), (1, 0.3), (0.37, 0.999), (0.8, 0)] {
                let overlay = Overlay(colormap: .turbo, alpha: alpha, threshold: threshold)
                let ours = overlay.render(photo: photo, map: map, level: level).pixels
                let expected = Self.naive(overlay, photo: photo, map: map)
                #expect(ours == expected, "\(level) \(w)x\(h) \(mode) alpha \(alpha) threshold \(String(describing: threshold))")
                // The map the box search kept at the photo's size gives the same overlay.
                let kept = map.keepingPhotoSized(map.sampled(width: w, height: h))
                #expect(kept.photoSized != nil && overlay.render(photo: photo, map: kept, level: level).pixels == expected)
            }
        }
    }
}
