import CAMKit
import Testing
import TestSupport

/// MapUpsampler against PyTorch's F.interpolate(bilinear, align_corners=False), fixtures from
/// Scripts/fixtures/make_map_fixtures.py.
@Suite("upsampling against F.interpolate")
struct UpsamplerFixtureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let src: String, dst: String, width: Int, height: Int
        var testDescription: String { "\(src) → \(width)x\(height)" }
    }

    static let cases: [Case] = (try! Fixtures.json("maps/manifest.json")["cases"] as! [[String: Any]]).map {
        Case(src: $0["src"] as! String, dst: $0["dst"] as! String, width: $0["width"] as! Int, height: $0["height"] as! Int)
    }

    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 11, "upsampler cases") }

    @Test(arguments: cases)
    func matchesTorch(c: Case) throws {
        let src = try Fixtures.npy("maps/" + c.src)
        let expected = try Fixtures.npy("maps/" + c.dst).floats()
        let out = MapUpsampler.resize(src.floats(), width: src.shape[1], height: src.shape[0], toWidth: c.width, height: c.height)
        // Measured: 6.3e-7 worst of 11; bound 1e-5 (16×).
        #expect(within(relativeError(out, expected), 1e-5, "upsampler.\(c.src).\(c.width)x\(c.height)"))
    }
}
