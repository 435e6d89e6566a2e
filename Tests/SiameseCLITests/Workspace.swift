import Foundation
import Testing

/// A fresh temporary folder to run `siamese` in: the working directory of every command, holding its
/// database (`siamese.sqlite`, the default) and input files. Removed by `withWorkspace` afterwards.
struct Workspace {
    /// The working directory of the commands.
    let directory: URL
    /// Where command output is captured, beside `directory` so that it never shows up in it.
    let captureDirectory: URL

    /// The default database of the commands, relative to `directory`.
    static let database = "siamese.sqlite"

    /// Settings that train a small model in a fraction of a second, the same one every time.
    static let quickTraining = ["--epochs", "3", "--dimension", "32", "--threads", "1", "--seed", "1"]

    /// SampleData/ of the source checkout.
    static let sampleData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SampleData")

    /// The absolute path of `name`, relative to the working directory.
    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Runs `siamese ARGUMENTS` here; SIAMESE_DB is unset unless `environment` sets it.
    @discardableResult
    func run(_ arguments: String..., stdin: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        try run(arguments, stdin: stdin.map { Data($0.utf8) }, environment: environment)
    }

    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        var variables: [String: String?] = ["SIAMESE_DB": nil]
        for (name, value) in environment { variables[name] = value }
        return try ExecutableRunner.run(ExecutableRunner.siamese(), arguments, in: directory,
                                        captureDirectory: captureDirectory, stdin: stdin, environment: variables)
    }

    /// Runs a command that must succeed, and returns what it wrote.
    @discardableResult
    func succeed(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> CommandResult {
        try succeed(arguments, stdin: stdin, sourceLocation: sourceLocation)
    }

    @discardableResult
    func succeed(_ arguments: [String], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> CommandResult {
        let result = try run(arguments, stdin: stdin.map { Data($0.utf8) })
        #expect(result.exitCode == 0, "\(result)", sourceLocation: sourceLocation)
        guard result.exitCode == 0 else { throw CLITestError("the command failed: \(result)") }
        return result
    }

    /// Trains the quick model "default" on the sample pairs (copied here as SampleData/).
    @discardableResult
    func trainQuickModel(_ extra: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        try copySampleData()
        let arguments = ["train", "--pairs", "SampleData/faq_pairs.tsv"] + Self.quickTraining + extra
        let result = try run(arguments)
        #expect(result.exitCode == 0, "\(result)", sourceLocation: sourceLocation)
        guard result.exitCode == 0 else { throw CLITestError("training failed: \(result)") }
        return result
    }

    /// Trains the quick model and indexes SampleData/faq_questions.txt with it.
    func trainAndIndexQuickModel(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try trainQuickModel(sourceLocation: sourceLocation)
        let result = try run("index", "SampleData/faq_questions.txt", "--threads", "1")
        #expect(result.exitCode == 0, "\(result)", sourceLocation: sourceLocation)
        guard result.exitCode == 0 else { throw CLITestError("indexing failed: \(result)") }
    }

    /// Copies the sample data into SampleData/ here (once).
    func copySampleData() throws {
        let target = url("SampleData")
        guard !FileManager.default.fileExists(atPath: target.path) else { return }
        try FileManager.default.copyItem(at: Self.sampleData, to: target)
    }

    /// The lines of a file of the sample data, header included.
    static func sampleLines(_ name: String) throws -> [String] {
        CommandResult.lines(try String(contentsOf: sampleData.appendingPathComponent(name), encoding: .utf8))
    }

    /// Writes `text` to `name`.
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: url(name))
    }

    /// Writes raw bytes to `name` (for malformed UTF-8).
    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: url(name))
    }

    /// Exactly what is on disk for the database `name`: the file and its write-ahead log, or `.absent`.
    func snapshot(_ name: String = Workspace.database) throws -> FileSnapshot {
        let main = url(name)
        guard FileManager.default.fileExists(atPath: main.path) else { return .absent }
        let wal = url(name + "-wal")
        // A reader may create an empty log where there was none: the same content.
        let log = FileManager.default.fileExists(atPath: wal.path) ? try Data(contentsOf: wal) : Data()
        return .present(file: try Data(contentsOf: main), log: log)
    }
}

/// The bytes of a database file and of its write-ahead log.
enum FileSnapshot: Equatable, CustomStringConvertible {
    case absent
    case present(file: Data, log: Data)

    var description: String {
        switch self {
        case .absent: "no file"
        case .present(let file, let log): "\(file.count) bytes (log \(log.count) bytes)"
        }
    }
}

/// Runs `body` in a new, empty workspace and removes it afterwards.
func withWorkspace<T>(_ body: (Workspace) throws -> T) throws -> T {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("SiameseCLITests-\(UUID().uuidString)")
    let workspace = Workspace(directory: root.appendingPathComponent("work"),
                              captureDirectory: root.appendingPathComponent("capture"))
    for folder in [workspace.directory, workspace.captureDirectory] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    defer { try? FileManager.default.removeItem(at: root) }
    return try body(workspace)
}
