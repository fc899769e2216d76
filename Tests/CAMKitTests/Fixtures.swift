import Foundation
import Inference

/// Locates committed fixtures and reads them.
enum Fixtures {
    /// `Tests/Fixtures`, found from this source file's path.
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    static func npy(_ relative: String) throws -> NPYFile.Array {
        try NPYFile.parse(bytes(relative))
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// max |a − b| / max |b|: the suite's one tolerance measure for tensors.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var diff: Float = 0, scale: Float = 0
    for i in 0..<a.count {
        diff = max(diff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return scale == 0 ? diff : diff / scale
}
