import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps every write inside the output folder, even when a folder inside it is a symlink that
/// points elsewhere.
public struct OutputGuard: Sendable {
    /// Why a write was refused.
    public struct Escape: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): refusing to write outside the output folder (a symlink leads out of it)" }
    }

    let root: String

    /// `root` must exist.
    public init(root: String) {
        self.root = OutputGuard.realPath(root) ?? root
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Creates the parent folders of `path` (inside the root) and checks that the resolved
    /// parent is still inside the root.
    public func prepare(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        guard let real = OutputGuard.realPath(parent), real == root || real.hasPrefix(root + "/") else { throw Escape(path: path) }
    }
}
