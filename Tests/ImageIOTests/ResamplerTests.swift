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

    @Test("resize matches Pillow exactly", arguments: cases)
    func matchesPillow(c: ResizeCase) throws {
        let src = try Fixtures.npy("images/" + c.src)
        let image = RGBImage(width: src.shape[1], height: src.shape[0], pixels: src.uint8s())
        let out = Resampler(filter: Resampler.Filter(rawValue: c.filter)!).resize(image, width: c.width, height: c.height)
        let expected = try Fixtures.npy("images/" + c.expect).uint8s()
        let diff = maxByteDifference(out.pixels, expected)
        #expect(diff == 0, "max diff \(diff ?? -1)")
    }
}
