import ArgumentParser
import CAMKit
import FolderRuns
import Foundation
import Inference

/// The `cam` command line.
@main
struct Cam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cam",
        abstract: "Explain image-classifier predictions with class activation maps.",
        version: CAMKitVersion.string,
        subcommands: [Explain.self, Evaluate.self, Merge.self, Inspect.self, RunModel.self, ModelInfo.self, Serve.self],
        defaultSubcommand: Explain.self)

    /// Parses and runs with camkit's exit codes (`ExitStatus`) instead of the parser's own.
    static func main() {
        // A full disk or a file-size limit must end one write with EFBIG, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        // Freed buffers stay with the process for the next photo instead of going back to the
        // kernel: every photo's decode, resize, overlay and PNG buffers would otherwise be fresh
        // mappings, each page a fault (a fifth of a short run's time on these VMs). Memory stays
        // flat: the next photo reuses what the last one freed.
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
        _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 128 << 20)
        // The model's bytes, weights and their copies come from the main heap: its next 96 MiB
        // are advised huge pages (one fault per 2 MiB instead of 512; `HugePages`), and the trim
        // threshold above keeps that extension from being handed back at once.
        _ = glibcMallopt(-2 /* M_TOP_PAD */, 96 << 20)
        HugePages.adviseHeap(growingBy: 96 << 20)
        // The run returns before exit, so nothing of it is alive when the process ends
        // (LeakSanitizer reports objects still held when exit is called).
        Foundation.exit(runReturningStatus())
    }

    static func runReturningStatus() -> Int32 {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let problem = DashArguments.problem(in: arguments) {
            Console.error("cam: \(problem)")
            return ExitStatus.usage
        }
        // CAMKIT_ISA forces the instruction-set path: an unknown value or a path this CPU lacks
        // is a usage error before anything runs.
        do {
            try CPUPath.checkEnvironment()
        } catch {
            Console.error("cam: \(error)")
            return ExitStatus.usage
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return ExitStatus.success
        } catch {
            return ExitStatus.report(error, command: Cam.self)
        }
    }
}

/// glibc's mallopt, which Swift's Glibc module does not export (malloc.h is not in its module map).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
