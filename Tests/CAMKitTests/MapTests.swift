import CAMKit
import Foundation
import Testing
import TestSupport

@Suite("Upsampling, colormaps, geometry, localisation")
struct MapTests {
    @Test func halfPixelRampAlongAnEdge() {
        // 2×2 → 4×4 with half-pixel centres: 0, 0.25, 0.75, 1 along a 0→1 ramp.
        let out = MapUpsampler.resize([0, 1, 0, 1], width: 2, height: 2, toWidth: 4, height: 4)
        #expect(Array(out[0..<4]) == [0, 0.25, 0.75, 1])
    }

    @Test func identitySizeIsUnchanged() {
        let m: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(MapUpsampler.resize(m, width: 3, height: 2, toWidth: 3, height: 2) == m)
    }

    struct Reference: Decodable { let maps: [String: [[Int]]] }

    @Test(arguments: [Colormap.jet, .turbo, .viridis, .inferno, .magma])
    func colormapMatchesReference(map: Colormap) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("colormaps/reference.json")))
        let ref = try JSONDecoder().decode(Reference.self, from: data).maps[map.rawValue]!
        let table = map.table
        var worst = 0
        for i in 0..<256 { for c in 0..<3 { worst = max(worst, abs(Int(table[i * 3 + c]) - ref[i][c])) } }
        // Measured: 0 levels in every map (the tables are the reference, rounded the same way); exact, was ±1.
        #expect(within(Double(worst), 0, "colormap.\(map)"), "\(map): \(worst) levels off")
    }

    @Test func jetEndsAtOpenCVAnchors() {
        let t = Colormap.jet.table
        #expect(Array(t[0..<3]) == [0, 0, 128])
        #expect(Array(t[765..<768]) == [128, 0, 0])
    }

    /// A bright square in a photo, a map that is exactly that square in model-input space:
    /// the box must land on the square in every resize mode and both orientations.
    @Test(arguments: [ResizeMode.full, .crop, .stretch], [(640, 400), (400, 640)])
    func boxLandsOnTheSquare(mode: ResizeMode, size: (Int, Int)) {
        let (w, h) = size
        let g = Geometry.plan(photoWidth: w, photoHeight: h, size: 224, stride: 32, mode: mode)
        // The square, in photo pixels, near the centre so the crop keeps it.
        let sq = [w / 2 - 40, h / 2 - 30, w / 2 + 40, h / 2 + 30]
        var map = [Float](repeating: 0, count: g.inputWidth * g.inputHeight)
        // Where model-input pixel (u, v) came from, written out here (half-pixel centres, as
        // Pillow's and torchvision's resize) rather than taken from Geometry's own methods; only
        // the plan's sizes and crop, checked against torchvision by CAMParityTests, are used.
        func source(_ u: Int, _ crop: Int, _ resized: Int, _ photo: Int) -> Double {
            (Double(u + crop) + 0.5) * Double(photo) / Double(resized) - 0.5
        }
        for v in 0..<g.inputHeight {
            for u in 0..<g.inputWidth {
                let x = source(u, g.cropX, g.resizedWidth, w), y = source(v, g.cropY, g.resizedHeight, h)
                if x >= Double(sq[0]) && x <= Double(sq[2]) && y >= Double(sq[1]) && y <= Double(sq[3]) { map[v * g.inputWidth + u] = 1 }
            }
        }
        let photoMap = MapUpsampler.toPhoto(map, width: g.inputWidth, height: g.inputHeight, geometry: g)
        let loc = Localisation.find(map: photoMap, width: w, height: h, threshold: 0.5)
        let box = loc.box!
        let worst = (0..<4).map { abs(box.values[$0] - sq[$0]) }.max()!
        // Measured: 1 px in every mode and orientation (a thresholded bilinear edge falls inside
        // a pixel); bound 1, was ±3 px.
        #expect(within(Double(worst), 1, "placement.\(mode).\(w)x\(h)"), "mode \(mode) \(w)x\(h): box \(box) vs square \(sq)")
    }

    @Test func fullModeRespectsStrideAndCap() {
        let g = Geometry.plan(photoWidth: 451, photoHeight: 300, size: 224, stride: 32, mode: .full)
        #expect(g.inputWidth == 352 && g.inputHeight == 224)
        let pano = Geometry.plan(photoWidth: 4000, photoHeight: 30, size: 224, stride: 32, mode: .full)
        #expect(pano.inputWidth == 896 && pano.inputHeight == 224)
    }

    @Test func flatMapIsFlagged() {
        let cam = ClassActivationMap(width: 2, height: 2, values: [-1, -2, -3, -4])
        let (values, flat) = cam.normalized()
        #expect(flat && values == [0, 0, 0, 0])
    }

    @Test func largestComponentWins() {
        // Two blobs; the larger (right) one gives the box.
        var map = [Float](repeating: 0, count: 10 * 5)
        map[1 * 10 + 1] = 1
        for y in 1...3 { for x in 5...8 { map[y * 10 + x] = 0.9 } }
        let loc = Localisation.find(map: map, width: 10, height: 5, threshold: 0.2)
        #expect(loc.box == [5, 1, 8, 3])
        #expect(loc.peak == [1, 1])
    }
}

@Suite("SHA-256 for the manifest")
struct SHA256Tests {
    @Test func knownDigests() throws {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // The shipped model's digest as hashlib recorded it in Samples/models/README.md.
        let model = try Fixtures.bytes("../../Samples/models/efficientnet_lite0.onnx")
        #expect(SHA256.hex(of: model) == "7f7b43565fd3668367889ee09a18409e2d64b0e119b40a559be0109531b694ca")
    }

    /// The classifier hashes its model on another thread while it loads; reading the digest
    /// gives that thread's result, the same on every read and from several threads at once.
    @Test func classifierDigestIsTheFilesDigest() async throws {
        let classifier = try Classifier(modelPath: Fixtures.path("../../Samples/models/efficientnet_lite0.onnx"))
        let reads = await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 { group.addTask { classifier.modelSHA256 } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reads == Array(repeating: "7f7b43565fd3668367889ee09a18409e2d64b0e119b40a559be0109531b694ca", count: 4))
    }
}

@Suite("labels files")
struct LabelLinesTests {
    /// Foundation's trimming (the reference) against the Swift one, on lines with tabs,
    /// no-break and ideographic spaces, vertical tabs, Windows line ends and empty lines.
    @Test func trimsAsFoundationDoes() {
        let text = "tench, Tinca tinca\n\t goldfish \t\n\n\u{00A0}great white shark\u{3000}\n  \n"
            + "tiger shark\r\n\u{000B}hammerhead\u{000B}\n\u{2003}electric ray\u{202F}\r\nstingray"
        let lines = ["tench, Tinca tinca", "\t goldfish \t", "", "\u{00A0}great white shark\u{3000}", "  ",
                     "tiger shark", "\u{000B}hammerhead\u{000B}", "\u{2003}electric ray\u{202F}", "stingray"]
        let reference = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        #expect(Classifier.labelLines(text) == reference)
        #expect(reference == ["tench, Tinca tinca", "goldfish", "great white shark", "tiger shark",
                              "\u{000B}hammerhead\u{000B}", "electric ray", "stingray"])
    }
}
