import GRDB
import GRDBSQLite

/// Incremental BLOB reads of one table (`sqlite3_blob_read`, in the open transaction): each BLOB goes from the
/// database pages straight into its destination, with no copy of the whole value in between (SQLite would
/// otherwise assemble a 4 MiB chunk, or a 25 MB weight, in fresh memory first). One handle per column, moved from
/// row to row.
final class BlobReader {
    private let connection: OpaquePointer
    private let path: String
    private let table: String
    private var handles: [String: OpaquePointer] = [:]

    init(_ db: Database, path: String, table: String = "compact_chunk_data") throws {
        guard let connection = db.sqliteConnection else {
            throw IndexError.database(path: path, message: "the connection is closed")
        }
        self.connection = connection
        self.path = path
        self.table = table
    }

    /// A reader on a connection of the caller's, which must outlive it (`SideChunkReader`).
    init(connection: OpaquePointer, path: String, table: String = "compact_chunk_data") {
        self.connection = connection
        self.path = path
        self.table = table
    }

    deinit { for handle in handles.values { sqlite3_blob_close(handle) } }

    /// Reads `column` of the row of rowid `row` into `destination` when it holds exactly `bytes` bytes.
    /// - Returns: nil when read; else the size found (nothing read).
    func read(_ column: String, row: Int64, into destination: UnsafeMutableRawPointer, bytes: Int) throws -> Int? {
        var code: Int32
        if let handle = handles[column] {
            code = sqlite3_blob_reopen(handle, row)
        } else {
            var handle: OpaquePointer?
            code = sqlite3_blob_open(connection, "main", table, column, row, 0, &handle)
            if let handle { handles[column] = handle }
        }
        guard code == SQLITE_OK, let handle = handles[column] else {
            throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
        }
        let found = Int(sqlite3_blob_bytes(handle))
        guard found == bytes else { return found }
        guard bytes == 0 || sqlite3_blob_read(handle, destination, Int32(bytes), 0) == SQLITE_OK else {
            throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
        }
        return nil
    }
}

/// A statement prepared on GRDB's connection with the sqlite3 C API, for reads that copy BLOBs without a
/// GRDB row in between; finalized when released.
final class RawStatement {
    let handle: OpaquePointer
    private let connection: OpaquePointer
    private let path: String

    init(_ db: Database, path: String, sql: String) throws {
        guard let connection = db.sqliteConnection else {
            throw IndexError.database(path: path, message: "the connection is closed")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
        }
        self.handle = statement
        self.connection = connection
        self.path = path
    }

    deinit { sqlite3_finalize(handle) }

    /// Steps once: true for a row, false when done.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    /// Makes the statement ready to run again (bindings are replaced by the next binds).
    func reset() {
        sqlite3_reset(handle)
    }
}
