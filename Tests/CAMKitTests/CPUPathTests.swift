import Foundation
import Inference
import Testing
import TestSupport

/// CPU dispatch: `cam run` under each instruction-set path this CPU has (CAMKIT_ISA), on the
/// torchvision fixtures against onnxruntime's outputs, and the path it reports.
@Suite("CPU paths (CAMKIT_ISA)", .serialized)
struct CPUPathTests {
    /// The paths this CPU can run, from /proc/cpuinfo: oneDNN's avx512_core needs AVX-512
    /// F, BW, VL and DQ; its avx2 path needs AVX2 and FMA; generic runs anywhere.
    static let supported: [CPUPath] = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        var paths: [CPUPath] = [.generic]
        if flags.isSuperset(of: ["avx2", "fma"]) { paths.insert(.avx2, at: 0) }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { paths.insert(.avx512, at: 0) }
        return paths
    }()

    static let models = ["mobilenet_v2", "resnet18", "efficientnet_b0_small", "shufflenet_v2_x0_5", "densenet_small"]

    struct Case: CustomTestStringConvertible, Sendable {
        let path: CPUPath, model: String
        var testDescription: String { "\(model) on \(path.rawValue)" }
    }

    static let cases = supported.flatMap { path in models.map { Case(path: path, model: $0) } }

    @Test func theMachinesPathsAreListed() throws {
        // generic always; this project's machines all have AVX2 + FMA at least.
        try requireCount(Self.supported, atLeast: 2, "CPU paths")
        #expect(Self.supported.contains(CPUPath.active), "the process runs \(CPUPath.active), not one of \(Self.supported)")
    }

    @Test("fixture outputs within 1e-4 of onnxruntime on each path", arguments: cases)
    func fixtureOnPath(c: Case) throws {
        let dir = try temporaryFolder("cpu-path")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Command.run("cam", ["run", "Tests/Fixtures/onnx/\(c.model).onnx", "--input", "Tests/Fixtures/onnx/\(c.model).input.npy",
                                        "--out", dir, "--profile"],
                                in: Command.repository, environment: [CPUPath.environmentVariable: c.path.rawValue])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("cpu path: \(c.path.rawValue) ("), "\(r.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".npy") }
        try requireCount(files, atLeast: 1, "outputs")
        let out = try NPYFile.parse(Array(FileManager.default.contents(atPath: dir + "/" + files[0])!)).tensor()
        let expected = try Fixtures.npy("onnx/\(c.model).output.npy").tensor()
        #expect(out.shape == expected.shape)
        // Measured worst: 4.3e-6 (avx512), same order on avx2 and generic; bound 1e-4 as in ModelFixtureTests.
        #expect(within(relativeError(out.data, expected.data), 1e-4, "cpuPath.\(c.path.rawValue).\(c.model)"))
    }

    @Test func anUnknownPathIsAUsageError() throws {
        let r = try Command.run("cam", ["model", "Samples/models/efficientnet_lite0.onnx"], in: Command.repository,
                                environment: [CPUPath.environmentVariable: "sse9"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("CAMKIT_ISA=sse9 is not one of avx512, avx2, generic"), "\(r.stderr)")
    }
}
