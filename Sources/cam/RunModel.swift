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
    @Option(help: ArgumentHelp("Also write the gradient of one output element with respect to these values (comma-separated; the input's name for pixel gradients) as <name>.grad.npy.", valueName: "v1,v2,…"))
    var wrt: String?
    @Option(name: .customLong("output-index"), help: "With --wrt: the element of the first graph output (flat index, e.g. the class) to differentiate.") var outputIndex = 0

    func validate() throws {
        try OptionChecks.check("threads", threads, in: OptionChecks.workers)
        try OptionChecks.check("repeat", self.repeat, in: 1...100_000)
        try OptionChecks.check("output-index", outputIndex, in: 0...Int(Int32.max))
    }

    func run() throws {
        do {
            let names = outputs?.split(separator: ",").map(String.init)
            let result = try ModelRunner.run(modelPath: model, inputPaths: inputs, outputs: names, outputFolder: out, threads: threads, repeats: self.repeat, profile: profile,
                                              gradient: wrt.map { .init(targets: $0.split(separator: ",").map(String.init), output: nil, outputIndex: outputIndex) })
            for line in result { print(line) }
        } catch {
            Console.error("cam: \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }
}
