import ArgumentParser
import Foundation

@main
struct Siamese: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siamese",
        abstract: "A question index: a Siamese LSTM learns duplicate questions; new questions are matched in one shot.",
        discussion: """
            Train a model on duplicate pairs, index your questions, then ask whether a question was asked before.
            Everything lives in one SQLite file (--db, default $SIAMESE_DB or siamese.sqlite).
            """,
        version: Version.description,
        subcommands: [Train.self, Index.self, Remove.self, Query.self, Compare.self, Dedup.self, Check.self, Eval.self, Info.self, Model.self,
                      Demo.self])

    static func main() {
        StandardStreams.prepare()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                // --help, --version, completion scripts: results, on stdout.
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                // One prefix for every error: ArgumentParser's usage errors start "Error: ", the tool's own
                // (printed before they become an ExitCode, which has no message) "siamese: error: ".
                Terminal.note(message.hasPrefix("Error: ") ? "siamese: error: " + message.dropFirst(7) : message)
            }
            StandardStreams.flushOutput()
            Foundation.exit(code.rawValue)
        }
    }
}
