import ArgumentParser
import CAMKit

/// The `cam` command line.
@main
struct Cam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cam",
        abstract: "Explain image-classifier predictions with class activation maps.",
        version: CAMKitVersion.string,
        subcommands: [Explain.self, Evaluate.self, Merge.self, Inspect.self, RunModel.self, ModelInfo.self],
        defaultSubcommand: Explain.self)
}
