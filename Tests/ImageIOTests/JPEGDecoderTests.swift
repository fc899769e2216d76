import Foundation
import ImageIO
import Testing
import TestSupport

@Suite("JPEG decoding against Pillow")
struct JPEGDecoderTests {
    nonisolated(unsafe) static let entries = try! Fixtures.json("images/manifest.json")["jpeg"] as! [[String: Any]]
    // 4:1:0 subsampling: TurboJPEG 2.1's tjDecompressHeader3 cannot classify it ("Could not
    // determine subsampling type"); Pillow's libjpeg path can. camkit reports them as corrupt.
    static let decodable = entries.filter { $0["expect"] is String && !($0["file"] as! String).contains(".410") }
        .map { $0["file"] as! String }

    @Test("JPEG decodes to Pillow's pixels (same libjpeg-turbo, integer IDCT, fancy upsampling)", arguments: decodable)
    func matchesPillow(file: String) throws {
        let image = try ImageDecoder.decode(path: Fixtures.path("images/" + file))
        let entry = Self.entries.first { $0["file"] as! String == file }!
        let expected = try Fixtures.npy("images/" + (entry["expect"] as! String))
        #expect(expected.shape == [image.height, image.width, 3])
        #expect(image.pixels == expected.uint8s(), "\(file): max diff \(maxByteDifference(image.pixels, expected.uint8s()) ?? -1)")
    }

    @Test func listIsComplete() throws {
        try requireCount(Self.decodable, atLeast: 47, "decodable JPEG files")
    }

    /// The two 4:1:0 files left out above are refused as corrupt, naming the file, not decoded wrongly.
    @Test(arguments: ["jpeg/go_video-001.q50.410.jpeg", "jpeg/go_video-001.q50.410.progressive.jpeg"])
    func subsampling410IsRefused(file: String) throws {
        let path = Fixtures.path("images/" + file)
        #expect(FileManager.default.fileExists(atPath: path))
        do {
            let image = try ImageDecoder.decode(path: path)
            Issue.record("4:1:0 JPEG decoded to \(image.width)×\(image.height)")
        } catch {
            guard case .corrupt(let p, let detail) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path && detail.contains("subsampling"), "\(detail)")
        }
    }

    @Test func truncatedScanIsAnError() throws {
        let path = Fixtures.path("images/jpeg/trunc_mid_scan.jpg")
        do {
            _ = try ImageDecoder.decode(path: path)
            Issue.record("truncated JPEG decoded")
        } catch let error {
            guard case .truncated(let p, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path)
        }
    }

    @Test func headerOnlyIsAnError() throws {
        #expect(throws: ImageError.self) {
            try ImageDecoder.decode(bytes: [0xFF, 0xD8, 0xFF, 0x00], path: "x.jpg")
        }
    }

    @Test func orientationSixTurnsClockwise() throws {
        let upright = try ImageDecoder.decode(path: Fixtures.path("images/jpeg/orient_6.jpg"))
        let raw = try ImageDecoder.decode(path: Fixtures.path("images/jpeg/orient_6.jpg"),
                                          options: DecodeOptions(applyEXIFOrientation: false))
        #expect(upright.width == raw.height && upright.height == raw.width)
    }
}
