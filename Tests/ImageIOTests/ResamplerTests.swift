import Foundation
import ImageIO
import Testing
import TestSupport

@Suite("Resampling against Pillow's Image.resize")
struct ResamplerTests {
    static let cases = (try! Fixtures.json("images/manifest.json")["resize"] as! [[String: Any]]).map {
        ResizeCase(src: $0["src"] as! String, filter: $0["filter"] as! String, width: $0["width"] as! Int,
                   height: $0["height"] as! Int, expect: $0["expect"] as! String)
    }

    struct ResizeCase: CustomTestStringConvertible, Sendable {
        let src: String, filter: String, width: Int, height: Int, expect: String
        var testDescription: String { "\(src) \(filter) \(width)x\(height)" }
    }

    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 18, "resize cases") }

    /// The passes' instruction sets this CPU runs (scalar always).
    static let levels = PixelLevel.allCases.filter(\.isSupported)

    /// The levels the C code reports are the CPU's, as the kernel lists its flags.
    @Test func levelsAreTheCPUs() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        #expect(PixelLevel.scalar.isSupported)
        #expect(PixelLevel.avx2.isSupported == flags.contains("avx2"))
        #expect(PixelLevel.avx512.isSupported == (flags.contains("avx512f") && flags.contains("avx512bw")))
        #expect(Self.levels.contains(PixelLevel.best))
    }

    @Test("resize matches Pillow exactly, on each instruction set", arguments: cases, levels)
    func matchesPillow(c: ResizeCase, level: PixelLevel) throws {
        let src = try Fixtures.npy("images/" + c.src)
        let image = RGBImage(width: src.shape[1], height: src.shape[0], pixels: src.uint8s())
        let out = Resampler(filter: Resampler.Filter(rawValue: c.filter)!, level: level).resize(image, width: c.width, height: c.height)
        let expected = try Fixtures.npy("images/" + c.expect).uint8s()
        let diff = maxByteDifference(out.pixels, expected)
        #expect(diff == 0, "max diff \(diff ?? -1)")
    }

    /// Sizes the fixtures do not reach: the vector paths' row blocks (8, 16) and 16-byte groups
    /// with tails, widths under 5 pixels, rows whose taps end at the image's last byte, upscales.
    /// Every level must give the scalar path's bytes (the scalar path is Pillow's, above).
    @Test(arguments: levels.filter { $0 != .scalar })
    func vectorPathsGiveTheScalarBytes(level: PixelLevel) {
        var state: UInt64 = 0xC0FFEE
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let shapes = [(1, 1, 3, 2), (4, 3, 2, 2), (7, 19, 3, 5), (33, 17, 16, 9), (17, 40, 5, 23), (101, 37, 31, 33),
                      (640, 480, 298, 224), (333, 499, 224, 335), (50, 50, 120, 90), (1001, 45, 97, 16)]
        for (w, h, ow, oh) in shapes {
            let image = RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: next()) })
            for filter in Resampler.Filter.allCases {
                let scalar = Resampler(filter: filter, level: .scalar).resize(image, width: ow, height: oh)
                let fast = Resampler(filter: filter, level: level).resize(image, width: ow, height: oh)
                #expect(fast.pixels == scalar.pixels, "\(level) \(filter) \(w)x\(h) -> \(ow)x\(oh)")
            }
        }
    }
}
