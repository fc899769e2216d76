import ArgumentParser
import CAMKit
import FolderRuns
import Foundation

/// The `cam` command line.
@main
struct Cam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cam",
        abstract: "Explain image-classifier predictions with class activation maps.",
        version: CAMKitVersion.string,
        subcommands: [Explain.self, Evaluate.self, Merge.self, Inspect.self, RunModel.self, ModelInfo.self],
        defaultSubcommand: Explain.self)

    /// Parses and runs with camkit's exit codes (`ExitStatus`) instead of the parser's own.
    static func main() {
        // A full disk or a file-size limit must end one write with EFBIG, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let problem = DashArguments.problem(in: arguments) {
            Console.error("cam: \(problem)")
            Foundation.exit(ExitStatus.usage)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            ExitStatus.exit(for: error, command: Cam.self)
        }
    }
}
