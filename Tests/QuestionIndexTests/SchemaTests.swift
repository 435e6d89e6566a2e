import Foundation
import GRDB
import Testing
@testable import QuestionIndex

@Suite struct SchemaTests {
    @Test func migrationsAreAppliedOnceAndRecorded() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let store = try QuestionStore(path: path, mode: .readWrite)
            #expect(store.schemaVersion == QuestionStore.supportedSchemaVersion)
            #expect(store.schemaVersion == Schema.embedded.latestVersion)
            let identifiers = Schema.embedded.migrations.map(\.identifier)
            #expect(identifiers.first == "0001_initial")
            #expect(identifiers.contains("0003_subword_vocabulary"))
            #expect(identifiers == identifiers.sorted())
            #expect(store.schemaVersion == Schema.version(of: identifiers.last ?? ""))
            _ = try store.addQuestions([(text: "How do I reset my password?", externalID: nil)], source: "test")

            let applied = try rawDatabase(path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(applied == identifiers)

            // Reopening applies nothing again and keeps the data.
            let before = try snapshot(path)
            let reopened = try QuestionStore(path: path, mode: .readWrite)
            #expect(try reopened.questionCount() == 1)
            #expect(try snapshot(path) == before)
            let readOnly = try QuestionStore(path: path, mode: .readOnly)
            #expect(try readOnly.questionCount() == 1)
        }
    }

    @Test func embeddedMigrationsAreTheFilesOfMigrationsFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appending(path: "../../Migrations", directoryHint: .isDirectory).standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Schema.embedded.migrations.map { $0.identifier + ".sql" } == files)
        for migration in Schema.embedded.migrations {
            let text = try String(contentsOf: folder.appending(path: migration.identifier + ".sql"), encoding: .utf8)
            #expect(migration.sql == text)
        }
    }

    @Test func olderIndexIsUpgradedByAWriterOnly() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let current = Schema.embedded, latest = current.latestVersion
            _ = try QuestionStore(path: path, mode: .readWrite, schema: current)
            let next = Schema(migrations: current.migrations + [
                (identifier: "9001_labels", sql: "CREATE TABLE label (question_id INTEGER REFERENCES question(id))"),
            ])
            #expect(throws: IndexError.olderSchema(path: path, found: latest, needed: "9001")) {
                try QuestionStore(path: path, mode: .readOnly, schema: next)
            }
            let upgraded = try QuestionStore(path: path, mode: .readWrite, schema: next)
            #expect(upgraded.schemaVersion == "9001")
            let applied = try rawDatabase(path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(applied == current.migrations.map(\.identifier) + ["9001_labels"])
            // This build now refuses it.
            #expect(throws: IndexError.newerSchema(path: path, found: "9001", known: latest)) {
                try QuestionStore(path: path, mode: .readOnly)
            }
        }
    }

    @Test func failedMigrationLeavesTheIndexAsItWas() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            _ = try QuestionStore(path: path, mode: .readWrite)
            let before = try snapshot(path)
            let broken = Schema(migrations: Schema.embedded.migrations + [
                (identifier: "9001_broken", sql: "CREATE TABLE fine (x); CREATE TABLE question (x)"),
            ])
            #expect(throws: IndexError.self) { try QuestionStore(path: path, mode: .readWrite, schema: broken) }
            #expect(try snapshot(path) == before)
            #expect(try QuestionStore(path: path, mode: .readOnly).schemaVersion == Schema.embedded.latestVersion)
        }
    }

    @Test func walAndForeignKeysAreOn() throws {
        try withStore { store, path in
            let (journal, foreignKeys) = try store.dbQueue.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
            }
            #expect(journal == "wal")
            #expect(foreignKeys == true)
            let tables = try rawDatabase(path).read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            let core: Set = ["embedding", "grdb_migrations", "model", "question", "subword", "training_epoch", "vocabulary",
                             "weight"]
            #expect(core.isSubset(of: Set(tables)))
        }
    }

    @Test func readOnlyOpenOfMissingFileIsAnErrorAndCreatesNothing() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "missing.sqlite").path(percentEncoded: false)
            #expect(throws: IndexError.noIndex(path: path)) { try QuestionStore(path: path, mode: .readOnly) }
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(IndexError.noIndex(path: path).description == "no index at \(path); create one with `siamese train --db \(path) --pairs FILE`")
        }
    }

    @Test func databaseOfANewerVersionIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            _ = try QuestionStore(path: path, mode: .readWrite)
            try rawDatabase(path).write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9003_future'), ('9002_next')")
            }
            let before = try snapshot(path)
            let latest = Schema.embedded.latestVersion
            let expected = IndexError.newerSchema(path: path, found: "9003", known: latest)
            #expect(throws: expected) { try QuestionStore(path: path, mode: .readWrite) }
            #expect(throws: expected) { try QuestionStore(path: path, mode: .readOnly) }
            #expect(expected.description
                    == "\(path) was written by a newer version of siamese (schema 9003; this build knows up to \(latest))")
            #expect(try snapshot(path) == before)
        }
    }

    @Test func fileThatIsNotSQLiteIsRefusedAndLeftIdentical() throws {
        try withTemporaryDirectory { directory in
            for (name, bytes) in [("text.sqlite", Data("question,answer\nhow do I?,like this\n".utf8)),
                                  ("short.sqlite", Data("hi".utf8))] {
                let url = directory.appending(path: name)
                let path = url.path(percentEncoded: false)
                try bytes.write(to: url)
                for mode in [QuestionStore.OpenMode.readWrite, .readOnly] {
                    #expect(throws: IndexError.notADatabase(path: path)) { try QuestionStore(path: path, mode: mode) }
                }
                #expect(try Data(contentsOf: url) == bytes)
                #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
                #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
                #expect(IndexError.notADatabase(path: path).description == "\(path) is not a SQLite database")
            }
        }
    }

    @Test func foreignSQLiteDatabaseIsRefusedAndLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "other.sqlite").path(percentEncoded: false)
            try rawDatabase(path).write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT)") }
            let before = try rawDatabase(path).read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master ORDER BY name")
            }
            #expect(throws: IndexError.notAnIndex(path: path)) { try QuestionStore(path: path, mode: .readWrite) }
            #expect(throws: IndexError.notAnIndex(path: path)) { try QuestionStore(path: path, mode: .readOnly) }
            let after = try rawDatabase(path).read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master ORDER BY name")
            }
            #expect(after == before)
        }
    }

    @Test func readOnlyOpenOfEmptyDatabaseIsNoIndex() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "empty.sqlite")
            let path = url.path(percentEncoded: false)
            try Data().write(to: url)
            #expect(throws: IndexError.noIndex(path: path)) { try QuestionStore(path: path, mode: .readOnly) }
            // A writer turns the empty file into an index.
            #expect(try QuestionStore(path: path, mode: .readWrite).questionCount() == 0)
        }
    }

    @Test func readOnlyStoreRefusesWrites() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            _ = try QuestionStore(path: path, mode: .readWrite)
            let store = try QuestionStore(path: path, mode: .readOnly)
            #expect(throws: IndexError.readOnly(path: path)) {
                try store.addQuestions([(text: "a question", externalID: nil)], source: "test")
            }
        }
    }

    @Test func directoryIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = directory.path(percentEncoded: false)
            #expect(throws: IndexError.cannotOpen(path: path, reason: "it is a directory")) {
                try QuestionStore(path: path, mode: .readWrite)
            }
        }
    }
}
