import ArgumentParser
import CAMKit
import FolderRuns
import Foundation

/// `cam run`: runs an ONNX model on .npy tensors (the verification entry point).
struct RunModel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run an ONNX model on .npy float32 tensors and write outputs as .npy.")

    @Argument(help: "The .onnx model.") var model: String
    @Option(name: .customLong("input"), help: "An input .npy (float32, C order); repeat for several graph inputs, in order.") var inputs: [String] = []
    @Option(help: "Comma-separated value names to write (default: the graph outputs); any intermediate value may be named.") var outputs: String?
    @Option(help: "Folder for <name>.npy outputs.") var out: String = "Output"
    @Option(help: "Threads for the forward pass.") var threads: Int = 1
    @Option(help: "Run the forward pass this many times and print the median time.") var `repeat`: Int = 1
    @Flag(help: "Print the time spent per operator over the repeated runs.") var profile = false

    func validate() throws {
        try OptionChecks.check("threads", threads, in: OptionChecks.workers)
        try OptionChecks.check("repeat", self.repeat, in: 1...100_000)
    }

    func run() throws {
        do {
            let names = outputs?.split(separator: ",").map(String.init)
            let result = try ModelRunner.run(modelPath: model, inputPaths: inputs, outputs: names, outputFolder: out, threads: threads, repeats: self.repeat, profile: profile)
            for line in result { print(line) }
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
