import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

/// `--db`: the index file shared by every command.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The index database.", discussion: "Default: $SIAMESE_DB, else siamese.sqlite.",
                                            valueName: "path"), completion: .file())
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["SIAMESE_DB"] ?? "siamese.sqlite" }

    /// Seconds a write waits for another process's write: $SIAMESE_BUSY_TIMEOUT (0 to 86400), else 10.
    /// - Throws: `CommandError` for a value that is not such a number.
    static func busyTimeout() throws -> TimeInterval {
        guard let text = ProcessInfo.processInfo.environment["SIAMESE_BUSY_TIMEOUT"] else { return 10 }
        guard let seconds = Double(text), seconds >= 0, seconds <= 86_400 else {
            throw CommandError("SIAMESE_BUSY_TIMEOUT=\(text) is not a number of seconds from 0 to 86400")
        }
        return seconds
    }

    /// Opens the existing index read-only.
    func openForReading() throws -> QuestionStore {
        try QuestionStore(path: path, mode: .readOnly, busyTimeout: try Self.busyTimeout())
    }

    /// Opens the existing index read-only, so that a command that fails its checks leaves the file untouched;
    /// an index whose schema a newer build must first upgrade is opened for writing (which upgrades it).
    func openForChecking() throws -> QuestionStore {
        do {
            return try openForReading()
        } catch IndexError.olderSchema {
            return try openExistingForWriting()
        }
    }

    /// Opens an existing index for writing; unlike SQLite, never creates a missing file.
    func openExistingForWriting() throws -> QuestionStore {
        guard FileManager.default.fileExists(atPath: path) else { throw IndexError.noIndex(path: path) }
        return try QuestionStore(path: path, mode: .readWrite, busyTimeout: try Self.busyTimeout())
    }
}

/// `--model`: which model of the index to use.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The model to use (default: the one `siamese model use` set, else the most recently trained).",
                                            valueName: "name"))
    var model: String?
}

/// `--threads`: BLAS threads (default: all cores; lookups that run one small product default to 1).
struct ThreadOptions: ParsableArguments {
    @Option(name: .long, help: "Threads for matrix products (default: all cores for train, index and demo; 1 for query and compare).")
    var threads: Int?

    /// More threads than any machine this runs on has cores; larger values are refused before they reach
    /// BLAS (whose thread count is a 32-bit integer).
    static let maximum = 1024

    func validate() throws {
        if let threads { try OptionBounds.check(threads, "--threads", 1...Self.maximum) }
    }

    /// Sets the BLAS thread count: `--threads`, else `defaultCount`, else every core.
    /// - Returns: the count, which is also the number of batches to encode in parallel.
    @discardableResult
    func apply(default defaultCount: Int? = nil) -> Int {
        let count = threads ?? defaultCount ?? ProcessInfo.processInfo.activeProcessorCount
        BLAS.setThreadCount(count)
        // The command has not started any BLAS work yet: idle workers can be stopped safely.
        if count == 1 { BLAS.stopWorkerThreads() }
        return count
    }
}

/// Range checks of numeric options, run in `validate()` before any arithmetic on them: a value outside its
/// range is a usage error naming the option and the bound.
enum OptionBounds {
    static func check<T: Comparable>(_ value: T, _ name: String, _ range: ClosedRange<T>) throws {
        if value < range.lowerBound { throw ValidationError("\(name) must be at least \(range.lowerBound)") }
        if value > range.upperBound {
            throw ValidationError("\(name) must be at most \(range.upperBound), got \(value)")
        }
    }
}

/// A command whose failures are reported as one line on stderr with a non-zero exit, never a stack trace.
protocol ReportingCommand: ParsableCommand {
    func execute() throws
    /// The exit status of an error: 1, or 2 for a command whose status 1 means "a duplicate was found".
    var errorExitCode: Int32 { get }
}

/// `--exit-status` of `query` and `compare`: exit statuses a script can test, as `check` and `diff` use them.
struct ExitStatusOption: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(
        "Exit 1 when a duplicate is found, 0 when none, 2 on an error (as `siamese check` and `diff`)."))
    var exitStatus = false

    /// Ends the command with status 1 when asked to and `foundDuplicate`.
    func finish(foundDuplicate: Bool) throws {
        if exitStatus && foundDuplicate {
            StandardStreams.flushOutput()
            throw ExitCode(1)
        }
    }

    var errorExitCode: Int32 { exitStatus ? 2 : 1 }
}

extension ReportingCommand {
    var errorExitCode: Int32 { 1 }

    func run() throws {
        do {
            try execute()
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(errorExitCode)
        }
    }
}

/// Writing to the terminal: results to stdout, messages and progress to stderr.
enum Terminal {
    static func error(_ message: String) {
        StandardStreams.writeError("siamese: error: \(message)\n")
    }

    static func note(_ message: String) {
        StandardStreams.writeError("\(message)\n")
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Prints `value` as one line of JSON (sorted keys) on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// ", keyword weight 0.30" for a dedup calibration with a keyword term, "" without.
func keywordNote(_ weight: Float?) -> String {
    guard let weight, weight > 0 else { return "" }
    return String(format: ", keyword weight %.2f", Double(weight))
}

extension Float {
    /// Four decimals, the precision every score is shown with.
    var score: String { String(format: "%.4f", Double(self)) }
}
