import Foundation
import GRDB
import SiameseNet

/// Questions: adding them without exact duplicates, and reading them back.
extension QuestionStore {
    /// Adds questions in one transaction, skipping exact duplicates: a question whose normalized text
    /// (`Tokenizer().normalized`: case, punctuation and spacing ignored) is already in the index or earlier in
    /// `questions`. Running the same input twice adds nothing the second time, also for a question stored by a
    /// build whose key lacked the NFC step (tokenizer version 1).
    /// - Parameters:
    ///   - questions: texts with their optional identifiers from the input file.
    ///   - source: where they come from (e.g. the file name), stored with each and used in errors.
    /// - Returns: the ids of the added questions in input order, and how many were skipped.
    /// - Throws: `IndexError.emptyQuestion` (nothing is added) when a text has no words.
    /// - Complexity: O(n log N) for n questions into an index of N.
    public func addQuestions(_ questions: [(text: String, externalID: String?)],
                             source: String) throws(IndexError) -> (added: [Int64], skipped: Int) {
        let tokenizer = Tokenizer()
        var normalized: [String] = []
        normalized.reserveCapacity(questions.count)
        // Keys written before tokenizer version 2 lack its NFC step: a text that is not in NFC had another key then.
        var legacyKeys: [Int: String] = [:]
        for (index, question) in questions.enumerated() {
            let key = tokenizer.normalized(question.text)
            guard !key.isEmpty else { throw IndexError.emptyQuestion(source: source, index: index) }
            normalized.append(key)
            if question.text.utf8.contains(where: { $0 >= 0x80 }) {
                let legacy = Tokenizer(maxTokens: Int.max, version: 1).normalized(question.text)
                // By bytes: Swift's == holds for canonically equivalent strings, SQLite's UNIQUE does not.
                if !legacy.utf8.elementsEqual(key.utf8) { legacyKeys[index] = legacy }
            }
        }
        return try write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO question (text, normalized, external_id, source, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (normalized) DO NOTHING
                """)
            let now = Date()
            var added: [Int64] = []
            for (index, (question, key)) in zip(questions, normalized).enumerated() {
                if let legacy = legacyKeys[index], try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM question WHERE normalized = ?)", arguments: [legacy]) == true {
                    continue
                }
                try insert.execute(arguments: [question.text, key, question.externalID, source, now])
                if db.changesCount > 0 { added.append(db.lastInsertedRowID) }
            }
            return (added, questions.count - added.count)
        }
    }

    /// Questions that have no embedding for the model yet, by increasing id: the work list of indexing.
    /// - Parameters:
    ///   - afterID: only questions with a larger id; pass the last id of the previous batch so that each batch
    ///     starts where the last ended instead of rescanning the embedded ones.
    ///   - limit: the most questions returned.
    /// - Throws: `IndexError.modelIDNotFound`.
    /// - Complexity: O((s + limit) · log N), s the embedded questions skipped over.
    public func questionsWithoutEmbedding(modelID: Int64, afterID: Int64 = 0,
                                          limit: Int) throws(IndexError) -> [(id: Int64, text: String)] {
        let path = self.path
        return try read { db in
            try Self.requireModel(db, id: modelID, path: path)
            return try Row.fetchAll(db, sql: """
                SELECT q.id, q.text FROM question q
                WHERE q.id > ?
                    AND NOT EXISTS (SELECT 1 FROM embedding e WHERE e.model_id = ? AND e.question_id = q.id)
                ORDER BY q.id LIMIT ?
                """, arguments: [afterID, modelID, max(0, limit)]
            ).map { fetched throws in
                var row = StoredRow(fetched, table: "question", name: "a question", path: path)
                let id = try row.integer("id")
                row.name = "question \(id)"
                return (id: id, text: try row.text("text"))
            }
        }
    }

    /// The stored questions with these ids; ids not in the index are absent from the result.
    public func questions(ids: [Int64]) throws(IndexError) -> [Int64: StoredQuestion] {
        let path = self.path
        return try read { db in
            var result: [Int64: StoredQuestion] = [:]
            result.reserveCapacity(ids.count)
            // Stay well under SQLite's limit on bound parameters.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT id, text, external_id, source, created_at FROM question WHERE id IN (\(placeholders))",
                    arguments: StatementArguments(chunk))
                while let fetched = try rows.next() {
                    var row = StoredRow(fetched, table: "question", name: "a question", path: path)
                    let id = try row.integer("id")
                    row.name = "question \(id)"
                    let question = StoredQuestion(id: id, text: try row.text("text"),
                                                  externalID: try row.optionalText("external_id"),
                                                  source: try row.text("source"), createdAt: try row.date("created_at"))
                    result[question.id] = question
                }
            }
            return result
        }
    }

    /// The texts of the questions with these ids (to show search results).
    public func questionText(ids: [Int64]) throws(IndexError) -> [Int64: String] {
        try questions(ids: ids).mapValues(\.text)
    }

    static func requireModel(_ db: Database, id: Int64, path: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model WHERE id = ?)", arguments: [id]) == true
        else { throw IndexError.modelIDNotFound(path: path, id: id) }
    }
}
