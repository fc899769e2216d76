import CAMKit
import FileIO
import Foundation
import ImageIO
#if canImport(Glibc)
import Glibc
#endif

/// One file to explain: where it is (the path's bytes, kept exactly as the folder listed them,
/// so names that are not valid UTF-8 can still be opened), how to show it, and the name its
/// outputs take inside the output folder.
public struct InputFile: Sendable, Equatable {
    /// The path's bytes, without a terminating NUL.
    public var location: [UInt8]
    /// The path for messages (not valid UTF-8 is shown with U+FFFD).
    public var path: String { String(decoding: location, as: UTF8.self) }
    /// The file's path relative to its root (under the root's own folder when several roots are
    /// given); always valid UTF-8: bytes of a name that is not are written as %XX.
    public var relative: String

    public init(location: [UInt8], relative: String) {
        self.location = location
        self.relative = relative
    }
}

/// Finds input files: given files, and the files of given folders (recursively if asked),
/// skipping the output folder when it lies inside an input folder and camkit's own outputs.
public enum InputScanner {
    /// Extensions that mark a file as meant to be an image (bad bytes there are errors, not skips).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif"]

    /// What a scan found.
    public struct Scan: Sendable {
        public var files: [InputFile] = []
        /// Paths given that do not exist.
        public var missing: [String] = []
        /// Output names that two or more inputs would share, with those inputs' paths.
        public var clashes: [(relative: String, paths: [String])] = []
    }

    /// Files of `paths`. With several paths, each folder's files are named under that folder's
    /// own name (`x/a.png`, `y/a.png`), so that inputs never share outputs; any name two inputs
    /// would still share is reported in `clashes`, for the caller to refuse.
    public static func scan(_ paths: [String], recursive: Bool, excluding outputFolder: String) -> Scan {
        let excluded = realPath(Array(outputFolder.utf8)) ?? []
        var result = Scan()
        var roots: [String] = []
        for p in paths where !roots.contains(p) { roots.append(p) }
        for root in roots {
            let location = Array(root.utf8)
            var info = stat()
            guard stat(cString(location), &info) == 0 else { result.missing.append(root); continue }
            if (info.st_mode & S_IFMT) != S_IFDIR {
                result.files.append(InputFile(location: location, relative: outputName(Array(lastComponent(location)))))
                continue
            }
            let prefix = roots.count > 1 ? outputName(Array(lastComponent(realPath(location) ?? location))) + "/" : ""
            var found: [InputFile] = []
            walk(location, prefix: prefix, recursive: recursive, excluded: excluded, into: &found)
            result.files += found.sorted { $0.relative < $1.relative }
        }
        var byName: [String: [String]] = [:]
        for f in result.files { byName[f.relative, default: []].append(f.path) }
        result.clashes = byName.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return result
    }

    static func walk(_ folder: [UInt8], prefix: String, recursive: Bool, excluded: [UInt8], into out: inout [InputFile]) {
        guard let dir = opendir(cString(folder)) else { return }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name.first == UInt8(ascii: ".") { continue }
            names.append(name)
        }
        closedir(dir)
        let isOutputFolder = realPath(folder) == excluded
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let text = String(decoding: name, as: UTF8.self)
            if isOwnOutput(text) || (isOutputFolder && isReport(text)) { continue }
            let path = folder + [UInt8(ascii: "/")] + name
            var link = stat(), target = stat()
            guard lstat(cString(path), &link) == 0 else { continue }
            let resolves = stat(cString(path), &target) == 0
            if resolves && (target.st_mode & S_IFMT) == S_IFDIR {
                // Symlinked folders are not followed: they can loop, or lead out of the tree.
                if (link.st_mode & S_IFMT) == S_IFLNK { continue }
                if recursive && realPath(path) != excluded {
                    walk(path, prefix: prefix + outputName(name) + "/", recursive: true, excluded: excluded, into: &out)
                }
            } else {
                // A dangling link or a FIFO is kept: reading it reports an error naming it.
                out.append(InputFile(location: path, relative: prefix + outputName(name)))
            }
        }
    }

    /// camkit's own outputs, anywhere: overlays and raw maps.
    static func isOwnOutput(_ name: String) -> Bool {
        OutputNames.isOwnOutput(name)
    }

    /// The reports of a run (and of shards), skipped in the output folder when it is also an input.
    static func isReport(_ name: String) -> Bool {
        let stems = ["results", "manifest", "index"], extensions = [".jsonl", ".csv", ".json", ".html"]
        return stems.contains { name.hasPrefix($0) } && extensions.contains { name.hasSuffix($0) }
    }

    /// A name's bytes as an output name: itself when valid UTF-8, else every byte outside
    /// printable ASCII (and `%`) as %XX, so distinct names stay distinct.
    static func outputName(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return bytes.map { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "%") ? String(UnicodeScalar($0)) : "%" + hex($0) }.joined()
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    static func lastComponent(_ path: [UInt8]) -> ArraySlice<UInt8> {
        var p = path[...]
        while p.count > 1, p.last == UInt8(ascii: "/") { p = p.dropLast() }
        if let slash = p.lastIndex(of: UInt8(ascii: "/")), slash < p.endIndex - 1 { return p[(slash + 1)...] }
        return p.isEmpty || p == [UInt8(ascii: "/")] ? Array("root".utf8)[...] : p
    }

    static func realPath(_ path: [UInt8]) -> [UInt8]? {
        guard let p = realpath(cString(path), nil) else { return nil }
        defer { free(p) }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }

    /// NUL-terminated C string of a path's bytes.
    static func cString(_ bytes: [UInt8]) -> [CChar] {
        bytes.map { CChar(bitPattern: $0) } + [0]
    }

    /// Whether the name says "image" (so undecodable bytes are an error rather than a skip).
    public static func looksLikeImage(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }
}
