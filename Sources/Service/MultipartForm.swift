/// The first file of a multipart/form-data body (RFC 7578). Written by hand: the service needs
/// one part of an already size-limited body in memory, which is a boundary search and a header
/// scan; a streaming multipart library would be a dependency for these forty lines.
enum MultipartForm {
    static func firstFile(in body: [UInt8], contentType: String) throws(ServiceProblem) -> [UInt8] {
        guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty, boundary.utf8.count <= 70 else {
            throw .badRequest("multipart/form-data without a boundary parameter")
        }
        let delimiter = Array("--\(boundary)".utf8)
        var starts: [Int] = []
        var i = 0
        while let at = find(delimiter, in: body, from: i) {
            starts.append(at)
            i = at + delimiter.count
        }
        for (n, start) in starts.enumerated() where n + 1 < starts.count {
            var partStart = start + delimiter.count
            if body[partStart...].starts(with: [13, 10]) { partStart += 2 } else { continue }   // "--" closes the form
            var partEnd = starts[n + 1]
            if partEnd >= 2, body[partEnd - 2] == 13, body[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd, let headerEnd = find([13, 10, 13, 10], in: Array(body[partStart..<partEnd]), from: 0) else { continue }
            let headers = String(decoding: body[partStart..<(partStart + headerEnd)], as: UTF8.self).lowercased()
            let disposition = headers.split(separator: "\r\n").first { $0.hasPrefix("content-disposition:") }.map(String.init) ?? ""
            if disposition.contains("filename=") || disposition.contains("name=\"image\"") || disposition.contains("name=\"file\"") {
                let bytes = Array(body[(partStart + headerEnd + 4)..<partEnd])
                guard !bytes.isEmpty else { throw .badRequest("the form's file part is empty") }
                return bytes
            }
        }
        throw .badRequest("the multipart form has no file part (a part with a filename, or named image or file)")
    }

    /// A parameter of a header value: `boundary` of `multipart/form-data; boundary="x"`.
    static func parameter(_ name: String, of value: String) -> String? {
        for item in value.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == name {
                return pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
            }
        }
        return nil
    }

    /// The first `needle` in `haystack` at or after `from`: glibc's memmem (linear time, so a
    /// hostile body of near-boundaries cannot make the search quadratic).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                guard let found = glibcMemmem(h.baseAddress! + from, h.count - from, n.baseAddress!, n.count) else { return nil }
                return h.baseAddress!.distance(to: UnsafeRawPointer(found))
            }
        }
    }
}

/// glibc's memmem, which Swift's Glibc module does not export (a GNU extension).
@_silgen_name("memmem")
private func glibcMemmem(_ haystack: UnsafeRawPointer, _ haystackLength: Int, _ needle: UnsafeRawPointer, _ needleLength: Int) -> UnsafeMutableRawPointer?
