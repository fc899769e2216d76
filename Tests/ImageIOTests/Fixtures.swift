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

/// Largest absolute difference between two byte arrays of equal length, or nil if lengths differ.
func maxByteDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    guard a.count == b.count else { return nil }
    var worst = 0
    for i in 0..<a.count { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    return worst
}
