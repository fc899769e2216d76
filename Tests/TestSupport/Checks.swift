import Foundation

/// A check that did not hold, with the evidence; thrown by the helpers below so a test's
/// `#expect(throws: Never.self)` or plain `try` reports it.
public struct CheckFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Fails unless `items` holds at least `minimum` elements: a parameterised list or a walk over a
/// folder that came up short would otherwise pass by checking nothing.
@discardableResult
public func requireCount<C: Collection>(_ items: C, atLeast minimum: Int, _ what: String) throws -> C {
    guard items.count >= minimum else { throw CheckFailure("\(what): \(items.count) items, expected at least \(minimum)") }
    return items
}

/// The argument list a parameterised test runs over; a list that cannot be read becomes one
/// entry naming the error, so the test fails instead of running zero cases.
public func argumentList(_ what: String, _ make: () throws -> [String]) -> [String] {
    do { return try make() } catch { return ["<\(what) unreadable: \(error)>"] }
}

/// Every regular file under `dir` (relative paths, sorted), following no symbolic links.
public func filesUnder(_ dir: String) -> [String] {
    let fm = FileManager.default
    var out: [String] = []
    for case let name as String in fm.enumerator(atPath: dir) ?? FileManager.DirectoryEnumerator() {
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir + "/" + name, isDirectory: &isDir), !isDir.boolValue { out.append(name) }
    }
    return out.sorted()
}

/// Compares two output folders: the same file names (both lists, so a file only in `b` counts)
/// and the same bytes in every file except `ignoring`; returns the common list.
@discardableResult
public func compareFolders(_ a: String, _ b: String, ignoring: Set<String> = []) throws -> [String] {
    let left = filesUnder(a).filter { !ignoring.contains($0) }, right = filesUnder(b).filter { !ignoring.contains($0) }
    guard left == right else {
        throw CheckFailure("file lists differ: only in \(a): \(Set(left).subtracting(right).sorted()); only in \(b): \(Set(right).subtracting(left).sorted())")
    }
    for name in left {
        let x = try PosixFile.readAll(a + "/" + name), y = try PosixFile.readAll(b + "/" + name)
        if x != y {
            let at = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
            throw CheckFailure("\(name) differs: \(x.count) vs \(y.count) bytes, first difference at byte \(at)")
        }
    }
    return left
}

/// Whole-file reads through POSIX (Foundation's reader leaked a buffer under LeakSanitizer).
enum PosixFile {
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckFailure("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw CheckFailure("cannot read \(path): errno \(errno)") }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }
}

/// max |a − b| over two arrays that must have the same, non-zero length (a `zip` of unequal
/// arrays compares a prefix; of empty ones, nothing).
public func maxAbsDifference<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) throws -> T {
    guard a.count == b.count, !a.isEmpty else { throw CheckFailure("lengths \(a.count) vs \(b.count)") }
    var worst: T = 0
    for i in a.indices {
        if a[i].isNaN != b[i].isNaN { return .infinity }
        worst = max(worst, abs(a[i] - b[i]))
    }
    return worst
}

/// A measured difference against its bound: true when within. With CAMKIT_MARGINS set it prints
/// `margin <label> measured <x> bound <y> (<ratio>×)`, the numbers written beside each bound.
public func within<T: BinaryFloatingPoint>(_ measured: T, _ bound: T, _ label: String) -> Bool {
    if ProcessInfo.processInfo.environment["CAMKIT_MARGINS"] != nil {
        let m = Double(measured), b = Double(bound)
        print("margin \(label) measured \(m) bound \(b) (\(m > 0 ? String(Int(b / m)) : "inf")x)")
    }
    return measured <= bound
}

/// A new empty folder under the system's temporary folder, named `camkit-<tag>-<uuid>`.
public func temporaryFolder(_ tag: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("camkit-\(tag)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
