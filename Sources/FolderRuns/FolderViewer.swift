import CAMKit
import Foundation
import ImageIO

/// The folder viewer: with `--html --save-raw`, index.html is cam serve's viewer turned to a
/// finished run (Sources/CWebAssets/gallery.html): pick a photo from the list, switch among its
/// explained classes, change colormap, alpha, threshold and box, hover for the map's value; the
/// page draws each overlay from the raw map with camkit's arithmetic (overlay.js), the same
/// bytes `cam explain` writes for those settings.
///
/// A page opened from the file system may not fetch the files beside it (Chromium refuses
/// file:// fetches and taints canvases drawn from file:// images), but it may load scripts. So
/// each photo's data is a script, `<input>.cam.js`, calling `camPhoto({...})` with the photo
/// (base64 of an image file the page decodes, as cam serve's page decodes a dropped file), a
/// hash of the pixels camkit decoded (the page refuses to draw on pixels that differ), its
/// geometry and its normalised maps (base64 float32, little-endian). The run's records and
/// settings are in index.html itself. Both are made from what the run computed, so `cam merge`
/// copies the scripts (checked and rewritten: they run in the reader's browser) and writes the
/// same index.html as one process.
enum FolderViewer {
    /// The data in index.html.
    struct Run: Encodable {
        var summary: String
        var method: String
        var layers: [String]
        var look: Look
        var colormaps: [String: [UInt8]]
        var records: [ResultRecord]
    }

    /// The run's overlay settings: the page starts with them, so its first drawing of each photo
    /// is the overlay file beside it.
    struct Look: Encodable {
        var colormap: String
        var alpha: Float
        var threshold: Float?
        var boxes: Bool
    }

    /// One photo's data, the argument of `camPhoto` in `<input>.cam.js`.
    struct Photo: Codable {
        struct Map: Codable {
            var index: Int, width: Int, height: Int
            /// The map scaled to 0…1 as the overlay uses it, float32 little-endian in base64.
            var normalized: String
        }
        var input: String
        /// A JPEG as it was read (browsers decode JPEG as libjpeg-turbo does, like camkit);
        /// any other photo as the pixels camkit decoded, in a PNG (alpha dropped, 16 bits
        /// clamped, orientation applied as camkit does, which browsers do not all do alike).
        var photo: String
        /// FNV-1a (32 bits) of camkit's decoded RGB bytes, checked by the page on its own.
        var rgbHash: UInt32
        var geometry: Geometry
        var maps: [Map]
    }

    static func html(records: [ResultRecord], manifest: RunManifest, summary: String) throws -> String {
        let s = manifest.settings
        let run = Run(summary: summary, method: manifest.method.rawValue, layers: manifest.layers ?? [],
                      look: Look(colormap: s.colormap.rawValue, alpha: s.alpha, threshold: s.threshold, boxes: s.boxes),
                      colormaps: Colormap.tablesByName, records: records)
        return WebAssets.folderViewerPage(runJSON: String(decoding: try ReportWriter.encoder().encode(run), as: UTF8.self))
    }

    /// `camPhoto({...});` for one explained photo.
    static func photoScript(input: String, bytes: [UInt8], explanation e: PhotoExplanation) throws -> [UInt8] {
        let maps = e.maps.map { m in
            let values = m.raw.normalized().values.map { $0.bitPattern.littleEndian }
            let data = values.withUnsafeBytes { Data($0) }
            return Photo.Map(index: m.index, width: m.raw.width, height: m.raw.height, normalized: data.base64EncodedString())
        }
        let file = ImageFormat.sniff(bytes) == .jpeg ? bytes : try PNGEncoder(software: nil).encode(e.photo, path: input)
        let photo = Photo(input: input, photo: Data(file).base64EncodedString(), rgbHash: fnv1a(e.photo.pixels),
                          geometry: e.geometry, maps: maps)
        return try script(photo)
    }

    /// What a data file holds around the JSON object.
    static let scriptHead = Array("camPhoto(".utf8), scriptTail = Array(");\n".utf8)

    static func script(_ photo: Photo) throws -> [UInt8] {
        scriptHead + (try ReportWriter.encoder().encode(photo)) + scriptTail
    }

    /// A shard's `<input>.cam.js` for `cam merge`, rewritten from its parsed data: what is copied
    /// into the merged folder runs in the browser of whoever opens it, so only a call of
    /// `camPhoto` with this photo's data may pass, never the file's own text. Honest files come
    /// out byte-identical.
    static func checkedPhotoScript(_ bytes: [UInt8], input: String) -> [UInt8]? {
        let head = scriptHead, tail = scriptTail
        guard bytes.count > head.count + tail.count, bytes.starts(with: head), bytes.suffix(tail.count).elementsEqual(tail),
              let photo = try? JSONDecoder().decode(Photo.self, from: Data(bytes[head.count..<(bytes.count - tail.count)])),
              photo.input == input, Data(base64Encoded: photo.photo) != nil,
              photo.maps.allSatisfy({ Data(base64Encoded: $0.normalized)?.count == 4 * $0.width * $0.height })
        else { return nil }
        return try? script(photo)
    }

    /// FNV-1a, 32 bits: a hash the page computes the same way in a few lines of JavaScript.
    static func fnv1a(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 0x811c_9dc5
        for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }
}
