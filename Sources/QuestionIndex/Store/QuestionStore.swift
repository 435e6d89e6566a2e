import Foundation
import GRDB

/// The SQLite store of an index: models (configuration, vocabulary, weights, learning curve), questions, and
/// the embeddings of questions under each model. One file, one `DatabaseQueue`.
///
/// The schema comes from the migrations embedded in the binary; opening applies the missing ones (writers
/// only) and refuses databases written by a newer build. Foreign keys are on and the journal is WAL, so a
/// `query` can read while an `index` writes. Every method is synchronous and runs in one transaction;
/// every error it throws is an `IndexError`.
public final class QuestionStore: Sendable {
    /// Whether a store may change its database.
    public enum OpenMode: Sendable, Equatable {
        /// Never writes; a missing file or a database without the index schema is an error.
        case readOnly
        /// Creates the file if needed and applies missing migrations.
        case readWrite
    }

    /// The database path as given to `init`, used in every error message.
    public let path: String
    /// Whether this store may write.
    public let mode: OpenMode
    /// The schema version of the database ("0001"), i.e. the newest migration this build applied.
    public let schemaVersion: String
    let dbQueue: DatabaseQueue

    /// The page size of a database this build creates.
    static let newPageSize = 16_384

    /// The newest schema version this build knows.
    public static var supportedSchemaVersion: String { Schema.embedded.latestVersion }

    /// Opens (or, with `.readWrite`, creates) the index at `path`.
    /// - Throws: `IndexError.noIndex` for a read-only open of a missing file, `.notADatabase` for a file that
    ///   is not SQLite (left untouched), `.newerSchema` for a database written by a newer build,
    ///   `.cannotOpen` when SQLite cannot open or create the file.
    /// - Parameter busyTimeout: how long a write waits for another process's write to finish before it fails
    ///   with `IndexError.busy` (seconds).
    public convenience init(path: String, mode: OpenMode, busyTimeout: TimeInterval = 10) throws(IndexError) {
        try self.init(path: path, mode: mode, schema: .embedded, busyTimeout: busyTimeout)
    }

    /// Opens the index with another schema than this build's (tests: upgrades, newer databases).
    init(path: String, mode: OpenMode, schema: Schema, busyTimeout: TimeInterval = 10) throws(IndexError) {
        self.path = path
        self.mode = mode
        try Self.checkFile(at: path, mode: mode)
        var configuration = Configuration()
        configuration.readonly = mode == .readOnly
        configuration.foreignKeysEnabled = true
        // Wait for a concurrent writer (another siamese process) instead of failing at once.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "QuestionStore"
        // A new file gets 16 KiB pages (an existing database keeps its own: SQLite fixes the page size when it
        // writes the first page, so this comes before WAL mode is set). The compact copy's chunks are megabyte
        // BLOBs stored on chains of overflow pages, read one page per system call: 4× fewer reads load it about
        // twice as fast, for writes about a third slower (64 KiB pages: ~10% faster loads, ~1.8× slower writes;
        // Benchmarks/README.md).
        // WAL, set here rather than with `journalMode = .wal`: for that, GRDB creates and drops a table whenever
        // the log file is missing or empty (its issue 102, about DatabasePool readers), which changes the schema
        // under every other process's open connection: a concurrent `index` then failed to prepare its
        // statements ("no such table: question_entry"). The mode is stored in the file: only its creator sets it.
        if mode == .readWrite {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA page_size = \(Self.newPageSize)")
                try Self.switchToWAL(db, path: path, patience: busyTimeout)
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            schemaVersion = try schema.prepare(queue, path: path, mode: mode)
            dbQueue = queue
        } catch {
            throw IndexError(translating: error, path: path)
        }
    }

    /// Puts a file that is not in WAL mode yet into it. Two processes that create one new file at once can each
    /// hold the shared lock that the other's switch needs: SQLite then fails one of them with SQLITE_BUSY at once,
    /// without the busy timeout (waiting would deadlock), and a `train` racing another on a new file stopped with
    /// "locked by another process" (seen in CI). The loser waits a little and looks again, for up to `patience`
    /// seconds: by then the other has usually switched the file itself.
    static func switchToWAL(_ db: Database, path: String, patience: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(patience)
        var pause = 0.005
        while true {
            do {
                if try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal" { return }
                guard try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal" else {
                    throw DatabaseError(message: "could not switch \(path) to WAL mode")
                }
                return
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && Date() < deadline {
                Thread.sleep(forTimeInterval: pause)
                pause = min(2 * pause, 0.1)
            }
        }
    }

    /// Refuses, before SQLite touches it, a path that is a directory, a FIFO or a device, a missing file opened
    /// read-only, or a file
    /// that does not start with the SQLite header (SQLite would otherwise fail only at the first query).
    private static func checkFile(at path: String, mode: OpenMode) throws(IndexError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if mode == .readOnly { throw IndexError.noIndex(path: path) }
            return
        }
        if isDirectory.boolValue { throw IndexError.cannotOpen(path: path, reason: "it is a directory") }
        // A FIFO would block the header read below until something writes to it; a device is no database.
        var info = stat()  // follows symbolic links
        guard stat(path, &info) == 0, info.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else {
            throw IndexError.cannotOpen(path: path, reason: "it is not a regular file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw IndexError.cannotOpen(path: path, reason: "the file cannot be read")
        }
        defer { try? handle.close() }
        let header: Data
        do { header = try handle.read(upToCount: 16) ?? Data() } catch {
            throw IndexError.cannotOpen(path: path, reason: "the file cannot be read")
        }
        // SQLite treats an empty file as an empty database.
        if header.isEmpty { return }
        guard header == Data("SQLite format 3\0".utf8) else { throw IndexError.notADatabase(path: path) }
    }

    /// Runs `body` in a read transaction, translating errors.
    func read<T>(_ body: (Database) throws -> T) throws(IndexError) -> T {
        do { return try dbQueue.read(body) } catch { throw IndexError(translating: error, path: path) }
    }

    /// Runs `body` in a write transaction (all or nothing), translating errors.
    func write<T>(_ body: (Database) throws -> T) throws(IndexError) -> T {
        do { return try dbQueue.write(body) } catch { throw IndexError(translating: error, path: path) }
    }

    /// The number of questions in the index.
    public func questionCount() throws(IndexError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0 }
    }

    /// The number of embeddings stored for the model `modelID`.
    public func embeddingCount(modelID: Int64) throws(IndexError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM embedding WHERE model_id = ?", arguments: [modelID]) ?? 0
        }
    }
}
