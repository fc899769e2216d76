@testable import CAMKit
import ImageIO
import Testing
import TestSupport

/// The overlay's blend (C, `camkit_px_blend_row`) on each instruction set against the formula in
/// plain Swift loops: photo·(256 − a) + colour·a + 128, shifted by 8, where the map value is ≥ 0
/// and ≥ the threshold. Widths around the vector loops' 8 and 16 pixels, crops (points outside
/// the model's view, −1), thresholds and alphas at their ends.
@Suite("overlay blend: every instruction set against the naive formula")
struct OverlayBlendTests {
    static let levels = PixelLevel.allCases.filter(\.isSupported)

    static func naive(_ overlay: Overlay, photo: RGBImage, map: PhotoMap) -> [UInt8] {
        let values = map.sampled(width: photo.width, height: photo.height), table = overlay.colormap.table
        let a = Int((min(max(overlay.alpha, 0), 1) * 256).rounded())
        var out = photo.pixels
        for i in 0..<values.count {
            let v = values[i]
            if v < 0 || v < (overlay.threshold ?? -0.5) { continue }
            let t = Colormap.index(v) * 3
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
            for (alpha, threshold) in [(Float(0.5), Float?.none), (0, nil), (1, 0.3), (0.37, 0.999), (0.8, 0)] {
                let overlay = Overlay(colormap: .turbo, alpha: alpha, threshold: threshold)
                let ours = overlay.render(photo: photo, map: map, level: level).pixels
                #expect(ours == Self.naive(overlay, photo: photo, map: map), "\(level) \(w)x\(h) \(mode) alpha \(alpha) threshold \(String(describing: threshold))")
            }
        }
    }
}
