import Foundation
import GRDB

/// What `QuestionStore.remove(_:)` removes.
public enum RemovalTarget: Sendable, Hashable, CustomStringConvertible {
    /// A stored question (by its id in the index) and every row that names it.
    case question(Int64)
    /// The rows with this external id: of one source, or of every source when `source` is nil.
    case externalID(String, source: String?)
    /// Every row of one source (an input file's name, as `index` stored it).
    case source(String)

    /// What the target names, for messages ("rows from faq.csv").
    /// The rows it names: a table and a condition on it (removing questions cascades to their rows).
    var rows: (table: String, condition: String, arguments: StatementArguments) {
        switch self {
        case .question(let id): ("question", "id = ?", [id])
        case .externalID(let id, nil): ("question_entry", "external_id = ?", [id])
        case .externalID(let id, let source?): ("question_entry", "source = ? AND external_id = ?", [source, id])
        case .source(let source): ("question_entry", "source = ?", [source])
        }
    }

    public var description: String {
        switch self {
        case .question(let id): return "question with id \(id)"
        case .externalID(let id, nil): return "row with id \"\(id)\""
        case .externalID(let id, let source?): return "row with id \"\(id)\" from \(source)"
        case .source(let source): return "rows from \(source)"
        }
    }
}

/// Removing rows and questions.
extension QuestionStore {
    /// Removes what `targets` name in one transaction: the rows, and every question no row names any more, with
    /// its vectors under every model and its full-text entry.
    /// - Returns: how many rows and questions were removed.
    /// - Throws: `IndexError.nothingToRemove` naming the first target that matches nothing; then nothing is removed.
    public func remove(_ targets: [RemovalTarget]) throws(IndexError) -> (rows: Int, questions: Int) {
        let path = self.path
        return try write { db in
            let rowsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_entry") ?? 0
            let questionsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            // Every target must name something before anything is removed (one may overlap another).
            for target in targets where try !Self.exists(db, target) {
                throw IndexError.nothingToRemove(path: path, what: target.description)
            }
            for target in targets {
                let (table, condition, arguments) = target.rows
                try db.execute(sql: "DELETE FROM \(table) WHERE \(condition)", arguments: arguments)
            }
            let rowsAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_entry") ?? 0
            let questionsAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            return (rowsBefore - rowsAfter, questionsBefore - questionsAfter)
        }
    }

    private static func exists(_ db: Database, _ target: RemovalTarget) throws -> Bool {
        let (table, condition, arguments) = target.rows
        return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE \(condition))",
                                 arguments: arguments) ?? false
    }
}
