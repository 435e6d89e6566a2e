import Foundation
import GRDB
import SiameseNet

/// Questions: adding them without exact duplicates, and reading them back.
extension QuestionStore {
    /// Adds the rows of one input in one transaction (all or nothing), keeping each row's identity.
    ///
    /// A row names a question by its text; rows whose normalized texts (`Tokenizer().normalized`: case,
    /// punctuation and spacing ignored) agree share one stored question, embedded once. The row itself is kept as
    /// an entry: by `(source, external id)` when it has an id — after indexing, the id names exactly the texts
    /// the input gives it (usually one): a row indexed again with another text is updated, and a text the id
    /// no longer names goes (its question too when no row names it any more) — and by `(source, line, question)`
    /// when it has none, so indexing the same input again changes nothing.
    /// - Parameters:
    ///   - rows: the input's rows, as the readers return them.
    ///   - source: the input's name (e.g. the file name): external ids are unique per source.
    ///   - sync: also remove the source's stored rows that `rows` no longer has (the index then mirrors the file).
    ///   - skipBad: skip a row without words and list it in `IndexedRows.skipped`, instead of throwing.
    /// - Throws: `IndexError.rowWithoutWords` (unless `skipBad`). Nothing is written when it throws.
    /// - Complexity: O(n log N) for n rows into an index of N.
    public func addRows(_ rows: [SourceQuestion], source: String, sync: Bool = false,
                        skipBad: Bool = false) throws(IndexError) -> IndexedRows {
        try addRows(PreparedRows(rows, source: source, skipBad: skipBad), sync: sync)
    }

    /// Adds rows checked beforehand (`PreparedRows`: keys computed, bad rows found, nothing opened yet), so that
    /// a command can refuse bad input before it opens the index for writing.
    public func addRows(_ prepared: PreparedRows, sync: Bool = false) throws(IndexError) -> IndexedRows {
        try add(prepared, sync: sync)
    }

    /// Adds questions without line numbers (library callers): `addRows` with every row's line unknown.
    /// - Returns: the ids of the questions created, in input order, and how many rows named a stored text.
    package func addQuestions(_ questions: [(text: String, externalID: String?)],
                             source: String) throws(IndexError) -> (added: [Int64], skipped: Int) {
        let prepared = try PreparedRows(questions.map { ($0.text, $0.externalID, nil) }, source: source, skipBad: false)
        let result = try add(prepared, sync: false)
        return (result.addedQuestions, questions.count - result.addedQuestions.count)
    }

    private func add(_ prepared: PreparedRows, sync: Bool) throws(IndexError) -> IndexedRows {
        let path = self.path
        return try write { db in
            let batch = try RowBatch(db)
            var result = try Self.insert(prepared, sync: sync, into: db, path: path, now: batch.now)
            try batch.finish(db, &result)
            return result
        }
    }

    /// Adds the rows of one or more inputs that are read a slice at a time, all in one transaction: `next`
    /// returns the next slice (its own `PreparedRows`), or nil at the end. What one call of
    /// `addRows(_:sync:)` with every row at once would do, for inputs whose rows carry no external id (rows
    /// are then keyed by source and line, so a slice needs nothing from the others), with memory bounded by a
    /// slice instead of the input. An error from `next` (a bad row) rolls everything back and is rethrown.
    /// - Precondition: no row has an external id (an id's rows may span slices).
    package func addRows(slices next: () throws -> PreparedRows?) throws -> IndexedRows {
        let path = self.path
        var failure: (any Error)?
        do {
            return try write { db in
                let batch = try RowBatch(db)
                var result = IndexedRows()
                while true {
                    let slice: PreparedRows?
                    do { slice = try next() } catch { failure = error; throw error }
                    guard let slice else { break }
                    precondition(slice.keysOfID.isEmpty, "rows with external ids cannot be added a slice at a time")
                    result.add(try Self.insert(slice, sync: false, into: db, path: path, now: batch.now))
                }
                try batch.finish(db, &result)
                return result
            }
        } catch {
            throw failure ?? error
        }
    }

    /// The state of one write transaction of rows: the question count and largest id before it.
    private struct RowBatch {
        let questionsBefore: Int
        let largestIDBefore: Int64
        let now = Date()

        init(_ db: Database) throws {
            questionsBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            // New questions get ids above every stored one: the keyword index takes them in one statement at the end.
            largestIDBefore = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM question") ?? 0
        }

        /// Adds the new questions to the keyword index and settles the question counts of `result`.
        func finish(_ db: Database, _ result: inout IndexedRows) throws {
            try db.execute(sql: "INSERT INTO question_fts (rowid, normalized) SELECT id, normalized FROM question WHERE id > ?",
                           arguments: [largestIDBefore])
            let questionsAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            // A question created by one row may lose it again to a later row of the same input.
            if questionsAfter - questionsBefore != result.addedQuestions.count {
                let alive = Set(try Int64.fetchAll(db, sql: "SELECT id FROM question WHERE id >= ?",
                                                   arguments: [result.addedQuestions.min() ?? 0]))
                result.addedQuestions.removeAll { !alive.contains($0) }
            }
            result.removedQuestions = questionsBefore + result.addedQuestions.count - questionsAfter
        }
    }

    /// Inserts the rows of `prepared` inside the caller's transaction (see `addRows`); the keyword index and the
    /// question counts are settled by `RowBatch.finish`.
    private static func insert(_ prepared: PreparedRows, sync: Bool, into db: Database, path: String,
                               now: Date) throws -> IndexedRows {
        let (rows, keys, legacyKeys, source) = (prepared.rows, prepared.keys, prepared.legacyKeys, prepared.source)
        var result = IndexedRows()
        result.skipped = prepared.skipped
        let findQuestion = try db.cachedStatement(sql: "SELECT id FROM question WHERE normalized = ?")
        let insertQuestion = try db.cachedStatement(sql: """
            INSERT INTO question (text, normalized, created_at) VALUES (?, ?, ?)
            """)
        let findByID = try db.cachedStatement(sql: """
            SELECT e.id, e.question_id, e.line, e.text, q.normalized FROM question_entry e
            JOIN question q ON q.id = e.question_id
            WHERE e.external_id = ? AND e.source = ? ORDER BY e.id
            """)
        let findByLine = try db.cachedStatement(sql: """
            SELECT id FROM question_entry
            WHERE source = ? AND external_id IS NULL AND line IS ? AND question_id = ?
            """)
        let insertEntry = try db.cachedStatement(sql: """
            INSERT INTO question_entry (question_id, source, external_id, line, text, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let updateEntry = try db.cachedStatement(sql: """
            UPDATE question_entry SET question_id = ?, line = ?, text = ?, updated_at = ? WHERE id = ?
            """)
        var touched = Set<Int64>()
        // The stored rows of each external id of the input, read once.
        var storedOfID: [String: [StoredEntry]] = [:]
        for (index, (row, key)) in zip(rows, keys).enumerated() {
            guard let key else { continue }
            var questionID = try Int64.fetchOne(findQuestion, arguments: [key])
            if questionID == nil, let legacy = legacyKeys[index] {
                questionID = try Int64.fetchOne(findQuestion, arguments: [legacy])
            }
            var isNew = false
            if questionID == nil {
                try insertQuestion.execute(arguments: [row.text, key, now])
                questionID = db.lastInsertedRowID
                result.addedQuestions.append(db.lastInsertedRowID)
                isNew = true
            }
            guard let questionID else { continue }
            if let externalID = row.externalID {
                // A pair file repeats a question's row: the first one (with its line) stands for it.
                if prepared.firstRowOfIDAndKey[externalID + "\u{0}" + key] != index {
                    result.repeatedRows += 1
                    continue
                }
                if storedOfID[externalID] == nil {
                    storedOfID[externalID] = try Row.fetchAll(findByID, arguments: [externalID, source]).map { fetched in
                        let entry = StoredRow(fetched, table: "question_entry", name: "a row of \(source)", path: path)
                        return StoredEntry(id: try entry.integer("id"), questionID: try entry.integer("question_id"),
                                           line: try entry.optionalInteger("line"), text: try entry.text("text"),
                                           key: try entry.text("normalized"))
                    }
                }
                let stored = storedOfID[externalID] ?? []
                let given = prepared.keysOfID[externalID] ?? []
                // The id's row for this text; else one of its rows whose text the input no longer gives it,
                // which this row updates.
                let match = stored.first { $0.questionID == questionID && !touched.contains($0.id) }
                    ?? stored.first { !given.contains($0.key) && !touched.contains($0.id) }
                if let match {
                    touched.insert(match.id)
                    // Updated: the row now names another question or spells it otherwise; a row that only
                    // moved to another line is unchanged (its line is kept up to date all the same).
                    let updated = match.questionID != questionID || match.text != row.text
                    let moved = match.line != row.line.map(Int64.init)
                    if updated { result.updatedRows += 1 } else { result.unchangedRows += 1 }
                    if updated || moved {
                        try updateEntry.execute(arguments: [questionID, row.line, row.text, now, match.id])
                    }
                    continue
                }
            } else if !isNew, let entryID = try Int64.fetchOne(findByLine, arguments: [source, row.line, questionID]) {
                touched.insert(entryID)
                result.unchangedRows += 1
                continue
            }
            try insertEntry.execute(arguments: [questionID, source, row.externalID, row.line, row.text, now, now])
            touched.insert(db.lastInsertedRowID)
            result.newRows += 1
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM question_entry WHERE id = ?")
        // An id names the texts the input gives it: its other rows go (after the loop, so that a question they
        // leave without a row is not deleted while a later row of the input still names it).
        for entry in storedOfID.values.joined() where !touched.contains(entry.id) {
            try delete.execute(arguments: [entry.id])
            result.removedRows += 1
        }
        if sync {
            let stale = try Int64.fetchAll(db, sql: "SELECT id FROM question_entry WHERE source = ?", arguments: [source])
                .filter { !touched.contains($0) }
            for id in stale { try delete.execute(arguments: [id]) }
            result.removedRows += stale.count
        }
        return result
    }

    /// Questions that have no embedding for the model yet, by increasing id: the work list of indexing.
    /// - Parameters:
    ///   - afterID: only questions with a larger id; pass the last id of the previous batch so that each batch
    ///     starts where the last ended instead of rescanning the embedded ones.
    ///   - limit: the most questions returned.
    /// - Throws: `IndexError.modelIDNotFound`.
    /// - Complexity: O((s + limit) · log N), s the embedded questions skipped over.
    func questionsWithoutEmbedding(modelID: Int64, afterID: Int64 = 0,
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

    /// The stored questions with these ids, each with its rows; ids not in the index are absent from the result.
    public func questions(ids: [Int64]) throws(IndexError) -> [Int64: StoredQuestion] {
        let path = self.path
        return try read { db in
            var result: [Int64: StoredQuestion] = [:]
            result.reserveCapacity(ids.count)
            // Stay well under SQLite's limit on bound parameters.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                var entries: [Int64: [QuestionEntry]] = [:]
                let entryRows = try Row.fetchCursor(db, sql: """
                    SELECT id, question_id, source, external_id, line, text, created_at, updated_at
                    FROM question_entry WHERE question_id IN (\(placeholders)) ORDER BY id
                    """, arguments: StatementArguments(chunk))
                while let fetched = try entryRows.next() {
                    var row = StoredRow(fetched, table: "question_entry", name: "a row", path: path)
                    let id = try row.integer("id")
                    row.name = "row \(id)"
                    let entry = QuestionEntry(
                        id: id, source: try row.text("source"), externalID: try row.optionalText("external_id"),
                        line: try row.optionalInteger("line", in: 1...Int(Int32.max)), text: try row.text("text"),
                        createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
                    entries[try row.integer("question_id"), default: []].append(entry)
                }
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT id, text, created_at FROM question WHERE id IN (\(placeholders))",
                    arguments: StatementArguments(chunk))
                while let fetched = try rows.next() {
                    var row = StoredRow(fetched, table: "question", name: "a question", path: path)
                    let id = try row.integer("id")
                    row.name = "question \(id)"
                    result[id] = StoredQuestion(id: id, text: try row.text("text"), createdAt: try row.date("created_at"),
                                                entries: entries[id] ?? [])
                }
            }
            return result
        }
    }

    /// The questions that two or more input rows name (exact duplicates, for `dedup`), by increasing id.
    func questionIDsNamedBySeveralRows() throws(IndexError) -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT question_id FROM question_entry GROUP BY question_id HAVING COUNT(*) > 1 ORDER BY question_id
                """)
        }
    }

    /// The texts of the questions with these ids (to show search results).
    package func questionText(ids: [Int64]) throws(IndexError) -> [Int64: String] {
        try questions(ids: ids).mapValues(\.text)
    }

    static func requireModel(_ db: Database, id: Int64, path: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model WHERE id = ?)", arguments: [id]) == true
        else { throw IndexError.modelIDNotFound(path: path, id: id) }
    }
}

/// A stored row of an external id, as `addRows` matches the input's rows against it.
private struct StoredEntry {
    var id: Int64
    var questionID: Int64
    var line: Int64?
    var text: String
    /// Its question's normalized text.
    var key: String
}
