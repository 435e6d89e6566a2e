import GRDB
import SchemaMigrations

/// The index schema: the migrations embedded from `Migrations/*.sql` by the EmbedMigrations plugin, applied
/// with GRDB's `DatabaseMigrator` (in order, each once, recorded in `grdb_migrations`).
///
/// A schema version is the four-digit prefix of a migration identifier ("0001" for "0001_initial").
struct Schema: Sendable {
    /// The migrations, in order.
    let migrations: [(identifier: String, sql: String)]

    /// The schema of this build.
    static let embedded = Schema(migrations: EmbeddedMigrations.all)

    /// The newest schema version this schema knows.
    var latestVersion: String { migrations.last.map { Self.version(of: $0.identifier) } ?? "0000" }

    /// "0003" for "0003_add_labels".
    static func version(of identifier: String) -> String {
        String(identifier.prefix { $0 != "_" })
    }

    var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            let sql = migration.sql
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// Checks that the database at `path` can be used by this build and, when `mode` allows writing, applies
    /// the migrations it lacks.
    /// - Returns: the schema version of the database afterwards.
    /// - Throws: `IndexError.newerSchema` when it records migrations this build does not know, `.notAnIndex`
    ///   for a foreign SQLite database, `.noIndex`/`.olderSchema` for a read-only open that would need writing.
    func prepare(_ queue: DatabaseQueue, path: String, mode: QuestionStore.OpenMode) throws -> String {
        let migrator = migrator
        let (applied, hasOtherTables) = try queue.read { db in
            (try migrator.appliedIdentifiers(db),
             try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations')")
                ?? false)
        }
        let known = Set(migrator.migrations)
        if let newest = applied.subtracting(known).map(Self.version(of:)).max() {
            throw IndexError.newerSchema(path: path, found: newest, known: latestVersion)
        }
        if applied.isEmpty {
            if hasOtherTables { throw IndexError.notAnIndex(path: path) }
            if mode == .readOnly { throw IndexError.noIndex(path: path) }
        }
        if applied != known {
            guard mode == .readWrite else {
                let found = applied.map(Self.version(of:)).max() ?? "none"
                throw IndexError.olderSchema(path: path, found: found, needed: latestVersion)
            }
            try apply(to: queue, path: path)
        }
        return latestVersion
    }

    /// Applies the missing migrations in one IMMEDIATE transaction: all of them or none, and never twice. Two
    /// processes that open a new (or old) file at once both try; the second waits for the first's lock, then
    /// finds them applied (GRDB's migrator reads the applied list before it locks, so it would run them again
    /// and fail with "table … already exists"). The list stays in GRDB's `grdb_migrations` table, as before.
    private func apply(to queue: DatabaseQueue, path: String) throws {
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
                for migration in migrations where !applied.contains(migration.identifier) {
                    try db.execute(sql: migration.sql)
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)",
                                   arguments: [migration.identifier])
                }
                if let violation = try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") {
                    throw IndexError.database(path: path, message: "a migration broke a foreign key (\(violation))")
                }
                return .commit
            }
        }
    }
}
