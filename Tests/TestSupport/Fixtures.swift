import Foundation
import Inference

/// Locates the committed fixtures (`Tests/Fixtures`) and reads them; shared by every test target.
public enum Fixtures {
    /// `Tests/Fixtures`, found from this source file's path.
    public static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Folder of the built binaries (`cam`, `CamFuzz`): the folder of the running test binary,
    /// so a release, debug or AddressSanitizer suite runs the tools of its own build.
    public static let binaries: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }()

    /// Newest object file compiled for `tool` (its own modules and their dependencies, not the
    /// tests' or the other tool's): a tool linked before it was built from older code.
    static func newestObject(for tool: String) -> Date {
        let fm = FileManager.default
        var newest = Date.distantPast
        // The project's own modules (a folder in Sources/); packages it depends on are pinned
        // and compile in any order beside them. CamFuzz does not link cam serve's modules.
        let own = Set((try? fm.contentsOfDirectory(atPath: Command.repository + "/Sources")) ?? [])
        let notInFuzz: Set<String> = ["Service"]
        for dir in (try? fm.contentsOfDirectory(atPath: binaries)) ?? [] where dir.hasSuffix(".build") {
            let module = String(dir.dropLast(".build".count))
            let notPart = ["cam", "CamFuzz"].contains(module) || !own.contains(module) || (tool == "CamFuzz" && notInFuzz.contains(module))
            if module != tool && notPart { continue }
            for name in (try? fm.contentsOfDirectory(atPath: binaries + "/" + dir)) ?? [] where name.hasSuffix(".o") {
                if let d = (try? fm.attributesOfItem(atPath: binaries + "/" + dir + "/" + name))?[.modificationDate] as? Date, d > newest { newest = d }
            }
        }
        return newest
    }

    /// The path of a built tool, after checking it exists and was linked after the last
    /// compilation of the code it is made of (`swift test` builds every product, so a stale
    /// tool means a partial build, e.g. `swift build --target CAMKit`).
    public static func binary(_ tool: String) throws -> String {
        let path = binaries + "/" + tool
        guard let built = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else {
            throw CheckFailure("\(path) is missing: build it first (Scripts/test does, in the suite's configuration)")
        }
        let compiled = newestObject(for: tool)
        guard built >= compiled else {
            throw CheckFailure("\(path) is older than its code (linked \(built), compiled \(compiled)): rebuild it (Scripts/test does)")
        }
        return path
    }

    public static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    public static func npy(_ relative: String) throws -> NPYFile.Array {
        try NPYFile.parse(bytes(relative))
    }

    public static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// max |a − b| / max |b|: the suite's one tolerance measure for tensors.
public func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var diff: Float = 0, scale: Float = 0
    for i in 0..<a.count {
        diff = max(diff, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return scale == 0 ? diff : diff / scale
}

/// Largest absolute difference between two byte arrays of equal length, or nil if lengths differ.
public func maxByteDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
    guard a.count == b.count else { return nil }
    var worst = 0
    for i in 0..<a.count { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    return worst
}

/// Runs a built binary (or a shell line) and collects its exit status and output.
public enum Command {
    /// The result of one run.
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `Fixtures.binaries/<tool>` with `args` in `directory`; `shellPrefix` runs it through
    /// bash after that text (e.g. "ulimit -f 64;").
    public static func run(_ tool: String, _ args: [String], in directory: String? = nil, shellPrefix: String? = nil,
                           environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.environment = childEnvironment.merging(environment) { $1 }
        let binary = try Fixtures.binary(tool)
        if let shellPrefix {
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", shellPrefix + " exec \"$0\" \"$@\"", binary] + args
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = args
        }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// This process's environment for a tool (no variable changes cam's defaults).
    public static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment
    }

    /// The repository root (where `Samples/` is).
    public static var repository: String {
        URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent().deletingLastPathComponent().path
    }
}
