// libFuzzer entry for camkit's parsers: PNG, JPEG, ONNX (reader, import and planning), .npy and
// the model sidecar JSON, and `cam eval`'s ground truth (CSV, VOC XML) with `cam merge`'s result
// lines; CAMFUZZ_TARGET picks one (png, jpeg, image, onnx, npy, sidecar, annotations; default all).
// Fuzzing build (see Scripts/fuzz):
//   swift build --scratch-path .build-fuzz --product CamFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
// A plain build replays the files given as arguments (used by the corpus-replay test).
import CAMKit
import FolderRuns
import FileIO
import Foundation
import ImageIO
import Inference
import ONNX

/// Which parser a run exercises, chosen by the CAMFUZZ_TARGET environment variable (default: all).
let target = ProcessInfo.processInfo.environment["CAMFUZZ_TARGET"] ?? "all"

#if FUZZING
// Smaller than production so that libFuzzer spends its time on parsing, not on big allocations.
let decodeOptions = DecodeOptions(maxPixels: 4_000_000)
func makeEngine(_ graph: Graph) -> InferenceEngine { InferenceEngine(graph: graph, maxTensorElements: 1 << 22) }
#else
// The replay (FuzzCorpusTests) runs every input under the limits `cam` itself uses.
let decodeOptions = DecodeOptions()
func makeEngine(_ graph: Graph) -> InferenceEngine { InferenceEngine(graph: graph) }
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = decodeOptions
    if target == "all" || target == "image" { _ = try? ImageDecoder.decode(bytes: bytes, path: "fuzz", options: options) }
    if target == "png" { _ = try? PNGDecoder.decode(bytes, path: "fuzz", options: options) }
    if target == "jpeg" { _ = try? JPEGDecoder.decode(bytes, path: "fuzz", options: options) }
    if target == "all" || target == "sidecar" { _ = try? ModelSidecar.parse(Data(bytes), path: "fuzz.json") }
    if target == "all" || target == "onnx" {
        if let model = try? ONNXModel.parse(bytes), let input = model.graph.inputs.first {
            let engine = makeEngine(model.graph)
            let shape = input.shape.map { $0 ?? 1 }
            _ = try? engine.makePlan(inputShapes: [input.name: shape])
        }
    }
    if target == "all" || target == "npy" { _ = try? NPYFile.parse(bytes) }
    if target == "all" || target == "annotations" {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? GroundTruth.parseCSV(text, path: "fuzz.csv")
        _ = try? GroundTruth.parseVOC(text, path: "fuzz.xml")
        _ = try? JSONDecoder().decode(ResultRecord.self, from: Data(bytes))
    }
    return 0
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
#else
// Replay: each input gets CAMFUZZ_SECONDS (default 10) of wall time; one that runs longer is a
// hang, reported by name with exit status 124 instead of stalling the suite.
let secondsPerInput = UInt32(ProcessInfo.processInfo.environment["CAMFUZZ_SECONDS"] ?? "") ?? 10
/// The input being replayed, as a C string the alarm handler can write without allocating.
nonisolated(unsafe) var current = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
nonisolated(unsafe) var currentLength = 0
signal(SIGALRM) { _ in
    let prefix = "CamFuzz: input ran past its time limit: "
    _ = prefix.withCString { write(2, $0, strlen($0)) }
    _ = write(2, current, currentLength)
    _ = write(2, "\n", 1)
    _exit(124)
}
var replayed = 0
for path in CommandLine.arguments.dropFirst() {
    currentLength = min(path.utf8.count, 4095)
    _ = path.withCString { strncpy(current, $0, 4095) }
    alarm(secondsPerInput)
    guard let bytes = try? FileBytes.read(path) else { alarm(0); continue }
    bytes.withUnsafeBufferPointer { buf in
        let base = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
        _ = fuzzOne(base, buf.count)
    }
    alarm(0)
    replayed += 1
}
print("replayed \(replayed) inputs")
#endif
