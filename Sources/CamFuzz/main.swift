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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let options = DecodeOptions(maxPixels: 4_000_000)
    if target == "all" || target == "image" { _ = try? ImageDecoder.decode(bytes: bytes, path: "fuzz", options: options) }
    if target == "png" { _ = try? PNGDecoder.decode(bytes, path: "fuzz", options: options) }
    if target == "jpeg" { _ = try? JPEGDecoder.decode(bytes, path: "fuzz", options: options) }
    if target == "all" || target == "sidecar" { _ = try? ModelSidecar.parse(Data(bytes), path: "fuzz.json") }
    if target == "all" || target == "onnx" {
        if let model = try? ONNXModel.parse(bytes), let input = model.graph.inputs.first {
            let engine = InferenceEngine(graph: model.graph, maxTensorElements: 1 << 22)
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
var replayed = 0
for path in CommandLine.arguments.dropFirst() {
    guard let bytes = try? FileBytes.read(path) else { continue }
    bytes.withUnsafeBufferPointer { buf in
        let base = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
        _ = fuzzOne(base, buf.count)
    }
    replayed += 1
}
print("replayed \(replayed) inputs")
#endif
