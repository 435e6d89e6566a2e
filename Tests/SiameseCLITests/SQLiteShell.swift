import Foundation

/// The `sqlite3` shell, used to damage a database the way another program or a disk error would.
enum SQLiteShell {
    static let url: URL? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        .map(URL.init(fileURLWithPath:))
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static var isAvailable: Bool { url != nil }

    /// Runs `sql` on the database `name` of `workspace` and returns its output.
    @discardableResult
    static func run(_ sql: String, on name: String = Workspace.database, in workspace: Workspace) throws -> String {
        guard let url else { throw CLITestError("no sqlite3 shell") }
        let result = try ExecutableRunner.run(url, ["-batch", name, sql], in: workspace.directory,
                                              captureDirectory: workspace.captureDirectory, stdin: nil,
                                              environment: [:])
        guard result.exitCode == 0, result.stderr.isEmpty else {
            throw CLITestError("sqlite3 failed: \(result.stderr)")
        }
        return result.stdout
    }
}
