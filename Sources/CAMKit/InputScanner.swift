import Foundation
import ImageIO

/// One file to explain: its path and its path relative to the root it was found under.
public struct InputFile: Sendable, Equatable {
    public var path: String
    public var relative: String
}

/// Finds input files: given files, and the files of given folders (recursively if asked),
/// skipping the output folder when it lies inside an input folder.
public enum InputScanner {
    /// Extensions that mark a file as meant to be an image (bad bytes there are errors, not skips).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif"]

    public static func scan(_ paths: [String], recursive: Bool, excluding outputFolder: String) -> (files: [InputFile], missing: [String]) {
        let fm = FileManager.default
        let excluded = URL(fileURLWithPath: outputFolder).standardizedFileURL.resolvingSymlinksInPath().path
        var files: [InputFile] = []
        var missing: [String] = []
        for root in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { missing.append(root); continue }
            if !isDir.boolValue {
                files.append(InputFile(path: root, relative: (root as NSString).lastPathComponent))
                continue
            }
            var found: [InputFile] = []
            walk(root, prefix: "", recursive: recursive, excluded: excluded, into: &found)
            files += found.sorted { $0.relative < $1.relative }
        }
        return (files, missing)
    }

    static func walk(_ folder: String, prefix: String, recursive: Bool, excluded: String, into out: inout [InputFile]) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return }
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(OutputNames.overlaySuffix) {
            let path = (folder as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            // A listed name that cannot be found again (one that is not valid UTF-8, or a file
            // that vanished) is kept, so that reading it reports an error naming it.
            let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
            if exists && isDir.boolValue {
                // Symlinked folders are not followed: they can loop, or lead out of the tree.
                if (try? fm.destinationOfSymbolicLink(atPath: path)) != nil { continue }
                let resolved = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
                if recursive && resolved != excluded { walk(path, prefix: prefix + name + "/", recursive: true, excluded: excluded, into: &out) }
            } else {
                out.append(InputFile(path: path, relative: prefix + name))
            }
        }
    }

    /// Whether the name says "image" (so undecodable bytes are an error rather than a skip).
    public static func looksLikeImage(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }
}
