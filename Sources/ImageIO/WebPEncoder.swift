import CWebP

/// Encodes RGB images as lossy WebP through libwebp. An optional comment goes into an XMP
/// chunk (as `dc:description`), assembled with libwebpmux; camkit records the settings that drew
/// an overlay there.
public struct WebPEncoder: Sendable {
    /// libwebp quality, 1...100.
    public var quality: Int
    public var comment: String?

    /// WebP's limit on a side (14-bit dimensions).
    public static let maxSide = 16383

    public init(quality: Int, comment: String? = nil) {
        self.quality = quality
        self.comment = comment
    }

    public func encode(_ image: RGBImage, path: String = "<memory>") throws(ImageError) -> [UInt8] {
        guard image.width <= Self.maxSide, image.height <= Self.maxSide else {
            throw .encodeFailed(path: path, format: "WebP", detail: "\(image.width)x\(image.height) is over WebP's \(Self.maxSide) pixels a side")
        }
        var out: UnsafeMutablePointer<UInt8>?
        let size = image.pixels.withUnsafeBufferPointer { src in
            WebPEncodeRGB(src.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 3), Float(min(max(quality, 1), 100)), &out)
        }
        defer { WebPFree(out) }
        guard size > 0, let out else { throw .encodeFailed(path: path, format: "WebP", detail: "libwebp could not encode the image") }
        let plain = Array(UnsafeBufferPointer(start: out, count: size))
        guard let comment else { return plain }
        return try Self.adding(xmp: Self.xmpPacket(comment), to: plain, path: path)
    }

    /// A minimal XMP packet holding `text` as the image's description.
    static func xmpPacket(_ text: String) -> [UInt8] {
        let escaped = text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
        return Array(("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            + "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:description><rdf:Alt>"
            + "<rdf:li xml:lang=\"x-default\">\(escaped)</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>").utf8)
    }

    /// The file with an XMP chunk added (the extended format: VP8X, then the image, then XMP).
    static func adding(xmp: [UInt8], to webp: [UInt8], path: String) throws(ImageError) -> [UInt8] {
        let failed = ImageError.encodeFailed(path: path, format: "WebP", detail: "libwebpmux could not add the XMP chunk")
        let assembled: [UInt8]? = webp.withUnsafeBufferPointer { image in
            xmp.withUnsafeBufferPointer { meta in
                var imageData = WebPData(bytes: image.baseAddress, size: image.count)
                guard let mux = WebPMuxCreate(&imageData, 1) else { return nil }
                defer { WebPMuxDelete(mux) }
                var metaData = WebPData(bytes: meta.baseAddress, size: meta.count)
                guard WebPMuxSetChunk(mux, "XMP ", &metaData, 1) == WEBP_MUX_OK else { return nil }
                var result = WebPData()
                guard WebPMuxAssemble(mux, &result) == WEBP_MUX_OK, let bytes = result.bytes else { return nil }
                defer { WebPDataClear(&result) }
                return Array(UnsafeBufferPointer(start: bytes, count: result.size))
            }
        }
        guard let assembled else { throw failed }
        return assembled
    }

    /// The description in the file's XMP chunk, or nil when there is none. A walk over the RIFF
    /// chunk headers, by hand for the same reason as `JPEGEncoder.comment(in:)`.
    public static func comment(in bytes: [UInt8]) -> String? {
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WEBP".utf8) else { return nil }
        var at = 12
        while at + 8 <= bytes.count {
            let size = bytes[(at + 4)..<(at + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard size <= bytes.count - at - 8 else { return nil }
            if bytes[at..<(at + 4)].elementsEqual("XMP ".utf8) {
                let text = String(decoding: bytes[(at + 8)..<(at + 8 + size)], as: UTF8.self)
                guard let open = text.firstRange(of: "<rdf:li xml:lang=\"x-default\">"),
                      let close = text[open.upperBound...].firstRange(of: "</rdf:li>") else { return nil }
                return String(text[open.upperBound..<close.lowerBound]).replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&amp;", with: "&")
            }
            at += 8 + size + (size & 1)
        }
        return nil
    }

    /// Width and height of a whole WebP file (decoded in full, so a truncated file is not
    /// taken), or nil when it is not one libwebp can read.
    public static func size(of bytes: [UInt8]) -> (width: Int, height: Int)? {
        var w: Int32 = 0, h: Int32 = 0
        return bytes.withUnsafeBufferPointer { src -> (width: Int, height: Int)? in
            guard let pixels = WebPDecodeRGB(src.baseAddress, src.count, &w, &h) else { return nil }
            WebPFree(pixels)
            return (Int(w), Int(h))
        }
    }
}
