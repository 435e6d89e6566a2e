import Foundation
import GRDB

/// A problem `QuestionStore.integrityProblems()` found, with what to do about it.
public struct IntegrityProblem: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in one line.
    public var problem: String
    /// How to fix it: the command to run.
    public var remedy: String

    /// The problem and its remedy, in one line.
    public var description: String { "\(problem); \(remedy)" }
}

/// Checking the whole file: what `siamese info --check` runs.
extension QuestionStore {
    /// Checks the database in one read transaction: SQLite's page-level check, the foreign keys, the full-text
    /// index against the questions, and that every question is named by a row and every model has a vector for
    /// every question. Reads every page: seconds for a large index.
    /// - Returns: the problems found, empty when there is none.
    public func integrityProblems() throws(IndexError) -> [IntegrityProblem] {
        let path = self.path
        let quoted = path.shellQuoted
        let recover = "recover what SQLite can with `sqlite3 \(quoted) .recover | sqlite3 recovered.sqlite`, or restore a backup"
        return try read { db in
            var problems: [IntegrityProblem] = []
            let pages = try String.fetchAll(db, sql: "PRAGMA quick_check(20)")
            if pages != ["ok"] {
                problems += pages.map { IntegrityProblem(problem: "the file is damaged: \($0)", remedy: recover) }
            }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").prefix(20) {
                let table = String.fromDatabaseValue(row[0] as DatabaseValue) ?? "?"
                let parent = String.fromDatabaseValue(row[2] as DatabaseValue) ?? "?"
                let id = Int64.fromDatabaseValue(row[1] as DatabaseValue).map(String.init) ?? "?"
                problems.append(IntegrityProblem(
                    problem: "row \(id) of \(table) points to a missing row of \(parent)", remedy: recover))
            }
            let orphans = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM question q WHERE NOT EXISTS (SELECT 1 FROM question_entry e WHERE e.question_id = q.id)
                """) ?? 0
            if orphans > 0 {
                problems.append(IntegrityProblem(
                    problem: "\(orphans) questions are named by no input row (the file was changed by another program)",
                    remedy: "remove them with `siamese remove --db \(quoted) --id ID` (ids: `sqlite3 \(quoted) "
                        + "\"SELECT id FROM question WHERE id NOT IN (SELECT question_id FROM question_entry)\"`)"))
            }
            let keywordRows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_fts_docsize") ?? 0
            let questions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            if keywordRows != questions {
                problems.append(IntegrityProblem(
                    problem: "the keyword index holds \(keywordRows) questions, the index \(questions)",
                    remedy: "rebuild it with `sqlite3 \(quoted) \"INSERT INTO question_fts(question_fts) VALUES('rebuild')\"`"))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT m.name, (SELECT COUNT(*) FROM question q WHERE NOT EXISTS
                    (SELECT 1 FROM embedding e WHERE e.model_id = m.id AND e.question_id = q.id)) AS missing
                FROM model m WHERE m.state = 'ready' ORDER BY m.name
                """) {
                let stored = StoredRow(row, table: "model", name: "a model", path: path)
                let missing = try stored.integer("missing", in: 0...Int.max)
                guard missing > 0 else { continue }
                let name = try stored.text("name")
                let quotedName = name.shellQuoted
                problems.append(IntegrityProblem(
                    problem: "\(missing) of \(questions) questions have no vector of model \"\(name)\"",
                    remedy: "embed them with `siamese index --db \(quoted) --model \(quotedName)`"))
            }
            return problems
        }
    }
}
