import FileIO
import Foundation
import Inference
import ONNX
import Testing
import TestSupport

/// Hostile and malformed models (Scripts/fixtures/make_hostile_models.py): each is refused with a clear
/// error before any large allocation, or, for the valid ones, matches onnxruntime.
@Suite("hostile models")
struct HostileModelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let file: String, expect: String, mention: String, input: String?, output: String?
        var testDescription: String { file }
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("hostile/manifest.json")))
        let entries = try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return entries.map {
            Case(file: $0["file"] as! String, expect: $0["expect"] as! String, mention: $0["error_contains"] as? String ?? "",
                 input: $0["input"] as? String, output: $0["output"] as? String)
        }
    }()

    /// Load, plan at the input's shape and run; returns the output or throws the first error.
    static func loadPlanRun(_ c: Case) throws -> Tensor? {
        let model = try ONNXModel.load(path: Fixtures.path("hostile/" + c.file))
        let engine = InferenceEngine(graph: model.graph)
        guard let input = model.graph.inputs.first else { return nil }
        let tensor = try c.input.map { try Fixtures.npy("hostile/" + $0).tensor() }
            ?? Tensor(zeros: input.shape.map { $0 ?? 1 })
        let plan = try engine.makePlan(inputShapes: [input.name: tensor.shape])
        return try plan.run([input.name: tensor])[model.graph.outputs[0]]
    }

    @Test func listIsComplete() throws { try requireCount(Self.cases, atLeast: 12, "hostile models") }

    @Test("hostile model", arguments: cases)
    func hostile(c: Case) throws {
        if c.expect == "ok" {
            let out = try Self.loadPlanRun(c)
            let expected = try Fixtures.npy("hostile/" + c.output!).floats()
            // Measured: 0 (external data and float16 weights read exactly); bound 1e-6, was 1e-4.
            #expect(within(relativeError(out!.data, expected), 1e-6, "hostile.\(c.file)"))
            return
        }
        do {
            _ = try Self.loadPlanRun(c)
            Issue.record("\(c.file) was accepted")
        } catch {
            let message = "\(error)".lowercased()
            #expect(message.contains(c.mention), "\(c.file): \(message)")
            #expect(!message.contains("\n"))
        }
    }

    /// SECURITY.md: external data is read only from inside the model's folder, and a symlink
    /// there that resolves outside it is refused; one that stays inside is followed.
    @Test func externalDataThroughASymlink() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("camkit-extlink-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: root) }
        for dir in ["/model", "/elsewhere", "/model/data"] { try fm.createDirectory(atPath: root + dir, withIntermediateDirectories: true) }
        try fm.copyItem(atPath: Fixtures.path("hostile/external_ok.onnx"), toPath: root + "/model/external_ok.onnx")
        try fm.copyItem(atPath: Fixtures.path("hostile/external_ok.bin"), toPath: root + "/elsewhere/weights.bin")
        try fm.createSymbolicLink(atPath: root + "/model/external_ok.bin", withDestinationPath: root + "/elsewhere/weights.bin")
        do {
            let model = try ONNXModel.load(path: root + "/model/external_ok.onnx")
            Issue.record("external data through a symlink out of the folder was read (\(model.graph.nodes.count) nodes)")
        } catch {
            #expect("\(error)".contains("resolves outside the model's folder"), "\(error)")
        }
        // A symlink that stays inside the model's folder is fine, and gives the same numbers.
        try fm.removeItem(atPath: root + "/model/external_ok.bin")
        try fm.copyItem(atPath: Fixtures.path("hostile/external_ok.bin"), toPath: root + "/model/data/weights.bin")
        try fm.createSymbolicLink(atPath: root + "/model/external_ok.bin", withDestinationPath: "data/weights.bin")
        let model = try ONNXModel.load(path: root + "/model/external_ok.onnx")
        let input = try Fixtures.npy("hostile/external_ok.input.npy").tensor()
        let name = try #require(model.graph.inputs.first).name
        let out = try InferenceEngine(graph: model.graph).makePlan(inputShapes: [name: input.shape]).run([name: input])[model.graph.outputs[0]]
        // Same numbers as the reference within rounding: the oneDNN kernels of each CPU path sum
        // in their own order (measured: 0 on avx512 and generic, 7.6e-8 on avx2); bound 1e-5.
        let error = relativeError(try #require(out).data, try Fixtures.npy("hostile/external_ok.output.npy").floats())
        #expect(within(error, 1e-5, "hostile.externalData"), "relative error \(error)")
    }

    @Test func tooManyNodesIsRefused() throws {
        // A chain of Identity nodes over the node limit, built in memory (the file would be 4 MB).
        var bytes: [UInt8] = []
        func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [UInt8(number << 3 | 2)]
            var n = payload.count
            repeat { out.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0)); n >>= 7 } while n > 0
            return out + payload
        }
        var graph: [UInt8] = []
        for i in 0..<(ONNXModel.defaultMaxNodes + 1) {
            let node = field(1, Array("v\(i)".utf8)) + field(2, Array("v\(i + 1)".utf8)) + field(4, Array("Identity".utf8))
            graph += field(1, node)
        }
        bytes = [0x08, 0x08] + field(7, graph) + field(8, [0x10, 0x0D])  // ir_version 8, graph, opset 13
        #expect(throws: ONNXError.tooManyNodes(count: ONNXModel.defaultMaxNodes + 1, limit: ONNXModel.defaultMaxNodes)) {
            try ONNXModel.parse(bytes)
        }
    }

    @Test func modelFileSizeLimitIsCheckedBeforeReading() {
        let path = Fixtures.path("onnx/resnet18.onnx")
        #expect(throws: ONNXError.tooLarge(path: path, bytes: 716_639, limit: 100_000)) {
            try ONNXModel.load(path: path, maxFileBytes: 100_000)
        }
    }
}
