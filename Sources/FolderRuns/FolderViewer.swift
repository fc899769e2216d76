import CAMKit
import Foundation

/// The folder viewer: with `--html --save-raw`, index.html is cam serve's viewer turned to a
/// finished run (Sources/CWebAssets/gallery.html): pick a photo from the list, switch among its
/// explained classes, change colormap, alpha, threshold and box, hover for the map's value; the
/// page draws each overlay from the raw map with camkit's arithmetic (overlay.js), the same
/// bytes `cam explain` writes for those settings.
///
/// A page opened from the file system may not fetch the files beside it (Chromium refuses
/// file:// fetches and taints canvases drawn from file:// images), but it may load scripts. So
/// each photo's data is a script, `<input>.cam.js`, calling `camPhoto({...})` with the photo's
/// own bytes (base64; the page decodes them, as cam serve's page decodes a dropped file), its
/// geometry and its normalised maps (base64 float32, little-endian). The run's records and
/// settings are in index.html itself. Both are made from what the run computed, so `cam merge`
/// copies the scripts like overlays and writes the same index.html as one process.
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
    struct Photo: Encodable {
        struct Map: Encodable {
            var index: Int, width: Int, height: Int
            /// The map scaled to 0…1 as the overlay uses it, float32 little-endian in base64.
            var normalized: String
        }
        var input: String
        var photo: String
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

    /// `camPhoto({...});` for one explained photo: the file's bytes as read, not re-encoded.
    static func photoScript(input: String, bytes: [UInt8], explanation e: PhotoExplanation) throws -> [UInt8] {
        let maps = e.maps.map { m in
            let values = m.raw.normalized().values.map { $0.bitPattern.littleEndian }
            let data = values.withUnsafeBytes { Data($0) }
            return Photo.Map(index: m.index, width: m.raw.width, height: m.raw.height, normalized: data.base64EncodedString())
        }
        let photo = Photo(input: input, photo: Data(bytes).base64EncodedString(), geometry: e.geometry, maps: maps)
        return Array("camPhoto(".utf8) + (try ReportWriter.encoder().encode(photo)) + Array(");\n".utf8)
    }
}
