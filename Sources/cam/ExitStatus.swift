import ArgumentParser
import CAMKit
import FolderRuns
import Foundation

/// The exit codes of every `cam` command, one table (README "Exit codes").
enum ExitStatus {
    /// Every input succeeded.
    static let success: Int32 = 0
    /// The run finished, but some inputs (or the reports) failed; each failure is a line on stderr.
    static let someFailed: Int32 = 1
    /// Nothing was done: a usage error (unknown option, bad option value), a model, labels or
    /// sidecar that cannot be used, or an output folder that cannot be written.
    static let usage: Int32 = 2

    /// The exit code for an error thrown by parsing, validation or a command, after printing
    /// what it says: help and version go to stdout with 0; a command's own `ExitCode` (it has
    /// printed its message) is kept; everything else is a usage error, printed by the parser.
    static func report(_ error: Error, command: ParsableCommand.Type) -> Int32 {
        if let code = error as? ExitCode { return code.rawValue }
        if command.exitCode(for: error) == .success {
            print(command.fullMessage(for: error))
            return success
        }
        FileHandle.standardError.write(Data((command.fullMessage(for: error) + "\n").utf8))
        return usage
    }
}

/// Arguments the parser would misread: a single-dash word such as a file named `-dash.jpg`
/// parses as the bundled flags `-d -a -s -h` and prints the help. Such a word is refused with
/// the way to name the file instead.
enum DashArguments {
    static func problem(in arguments: [String]) -> String? {
        for arg in arguments.prefix(while: { $0 != "--" }) where arg.hasPrefix("-") && !arg.hasPrefix("--") && arg.count > 2 {
            // A negative number given as an option's value, or a list of them (`--layer -3,-2`).
            if arg.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ Double($0) != nil }) { continue }
            return "unknown option '\(DisplayText.escaped(arg))': to name a file that begins with '-', write ./\(DisplayText.escaped(arg)) or put it after --"
        }
        return nil
    }
}
