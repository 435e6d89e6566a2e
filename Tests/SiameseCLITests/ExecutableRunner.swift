import Foundation

/// What one run of the `siamese` binary produced.
struct CommandResult: CustomStringConvertible {
    var arguments: [String]
    var stdout: String
    var stderr: String
    var exitCode: Int32

    /// The lines of stdout, without the final line break.
    var stdoutLines: [String] { Self.lines(stdout) }
    /// The lines of stderr, without the final line break.
    var stderrLines: [String] { Self.lines(stderr) }

    /// Shown when an expectation fails: the command and everything it wrote (long output shortened).
    var description: String {
        "siamese \(arguments.map(Self.shortened).joined(separator: " ")) → exit \(exitCode)\n"
            + "[stdout]\n\(Self.shortened(stdout))\n[stderr]\n\(Self.shortened(stderr))"
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private static func shortened(_ text: String) -> String {
        text.count > 400 ? String(text.prefix(400)) + "… (\(text.count) characters)" : text
    }
}

/// Why the test support could not run a command.
struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs built executables as a user would, the way swift-argument-parser's `AssertExecuteCommand` does.
enum ExecutableRunner {
    /// The folder SwiftPM builds products into: where the test bundle (`.xctest`) lives.
    static func productsDirectory() -> URL {
        // macOS: the .xctest bundle is loaded into a runner; Linux: the .xctest file is the main executable.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        let main = Bundle.main.bundleURL
        return main.pathExtension == "xctest" ? main.deletingLastPathComponent() : main
    }

    /// The built `siamese` binary next to the test bundle.
    static func siamese() throws -> URL {
        let url = productsDirectory().appendingPathComponent("siamese")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw CLITestError("no siamese executable at \(url.path); build it with `swift build --product siamese`")
        }
        return url
    }

    /// Runs `executable` to completion in `directory`, with `stdin` (or an empty input) and the test process's
    /// environment changed by `environment` (a nil value removes a variable).
    ///
    /// Output goes through files in `captureDirectory`, so a command that writes more than a pipe holds
    /// cannot block. A command still running after `timeout` seconds is terminated.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, captureDirectory: URL,
                    stdin: Data?, environment: [String: String?], timeout: TimeInterval = 300) throws -> CommandResult {
        let id = UUID().uuidString
        let stdoutURL = captureDirectory.appendingPathComponent("\(id).stdout")
        let stderrURL = captureDirectory.appendingPathComponent("\(id).stderr")
        let stdinURL = captureDirectory.appendingPathComponent("\(id).stdin")
        for url in [stdoutURL, stderrURL] {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CLITestError("cannot create \(url.path)")
            }
        }
        defer {
            for url in [stdoutURL, stderrURL, stdinURL] { try? FileManager.default.removeItem(at: url) }
        }
        let input: FileHandle
        if let stdin {
            try stdin.write(to: stdinURL)
            input = try FileHandle(forReadingFrom: stdinURL)
        } else {
            input = FileHandle.nullDevice
        }
        let output = try FileHandle(forWritingTo: stdoutURL)
        let errors = try FileHandle(forWritingTo: stderrURL)

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = variables
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        for handle in [output, errors] { try handle.close() }
        if stdin != nil { try input.close() }

        return CommandResult(arguments: arguments,
                             stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self),
                             exitCode: process.terminationStatus)
    }
}
