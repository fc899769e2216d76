import Foundation

/// Where the shipped model is found: ./Samples/models, or beside the source tree of the binary.
enum DefaultModel {
    static let relative = "Samples/models/efficientnet_lite0.onnx"

    static func path() -> String {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return relative
    }
}
