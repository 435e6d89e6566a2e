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
            let writer = try InputWriter(db, path: path, source: prepared.source, now: batch.now)
            try writer.noteIDs(of: prepared)
            var result = try writer.write(prepared)
            result.add(try writer.finish(sync: sync))
            try batch.finish(db, &result)
            return result
        }
    }

    /// One input read a slice at a time, for `addRows(inputs:sync:)`.
    package struct SlicedInput {
        /// The input's name: external ids are unique per source.
        package var source: String
        /// Whether its rows may carry external ids: its slices are then read twice.
        package var hasExternalIDs: Bool
        /// A reader of the input's slices from its start (each call starts again): returns the next slice, nil at
        /// the end.
        package var slices: () throws -> () throws -> PreparedRows?

        package init(source: String, hasExternalIDs: Bool, slices: @escaping () throws -> () throws -> PreparedRows?) {
            self.source = source
            self.hasExternalIDs = hasExternalIDs
            self.slices = slices
        }
    }

    /// Adds the rows of one or more inputs that are read a slice at a time, all in one transaction: what one
    /// `addRows(_:sync:)` call per input with every row at once would do, with memory bounded by a slice instead of
    /// the input. An input with external ids is read twice: first to note which texts it gives each id (an id's
    /// rows may be anywhere in it; kept in a temporary table, not in memory), then to write. An error from a
    /// reader (a bad row) rolls everything back and is rethrown.
    package func addRows(inputs: [SlicedInput], sync: Bool = false) throws -> IndexedRows {
        let path = self.path
        var failure: (any Error)?
        // Errors of the readers are rethrown as they are, not as the write's.
        func reading<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch { failure = error; throw error }
        }
        do {
            return try write { db in
                let batch = try RowBatch(db)
                var result = IndexedRows()
                for input in inputs {
                    let writer = try InputWriter(db, path: path, source: input.source, now: batch.now)
                    if input.hasExternalIDs {
                        let next = try reading(input.slices)
                        while let slice = try reading(next) { try writer.noteIDs(of: slice) }
                    }
                    let next = try reading(input.slices)
                    while let slice = try reading(next) {
                        precondition(input.hasExternalIDs || !slice.rows.contains { $0.externalID != nil },
                                     "an input said to have no external ids has one")
                        result.add(try writer.write(slice))
                    }
                    result.add(try writer.finish(sync: sync))
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

    /// Writes the rows of one input inside the caller's transaction, in one or more slices (see `addRows`), and
    /// then (`finish`) removes the stored rows of its ids that it no longer gives them. What it must know of the
    /// whole input — the texts each external id is given, and the first row of each (id, text) — is noted first
    /// (`noteIDs`, every slice in order) in a temporary table of the connection, so that memory does not grow with
    /// the input; the rows of each id stored before the input are those with an entry id up to `lastEntryBefore`.
    private final class InputWriter {
        private let db: Database
        private let path: String
        private let source: String
        /// The time of the transaction as stored: converted once (GRDB formats a `Date` anew for every
        /// argument, with ICU: ~3% of indexing a million rows).
        private let now: DatabaseValue
        /// Entries of this source stored before the input have ids up to this one; the input's own come after.
        private let lastEntryBefore: Int64
        /// Rows of the input noted and written so far (the row number of the next slice's first row).
        private var rowsNoted = 0, rowsWritten = 0
        /// The entries this input wrote, updated or found unchanged.
        private var touched = Set<Int64>()

        init(_ db: Database, path: String, source: String, now: Date) throws {
            self.db = db
            self.path = path
            self.source = source
            self.now = now.databaseValue
            lastEntryBefore = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM question_entry") ?? 0
            // The texts the input gives each id, and the row that first gives each: one table per connection,
            // emptied for each input (and rolled back with the transaction).
            try db.execute(sql: """
                CREATE TEMP TABLE IF NOT EXISTS input_id_text (
                    external_id TEXT NOT NULL, normalized TEXT NOT NULL, first_row INTEGER NOT NULL,
                    PRIMARY KEY (external_id, normalized)) WITHOUT ROWID;
                DELETE FROM temp.input_id_text;
                """)
        }

        /// Notes the ids of `slice`, the next slice of the input (all before the first `write`).
        func noteIDs(of slice: PreparedRows) throws {
            let note = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO temp.input_id_text (external_id, normalized, first_row) VALUES (?, ?, ?)
                """)
            for (index, (row, key)) in zip(slice.rows, slice.keys).enumerated() {
                guard let id = row.externalID, let key else { continue }
                try note.execute(arguments: [id, key, rowsNoted + index])
            }
            rowsNoted += slice.rows.count
        }

        /// Inserts the rows of `slice`, the next slice of the input; the keyword index and the question counts are
        /// settled by `RowBatch.finish`.
        func write(_ prepared: PreparedRows) throws -> IndexedRows {
            let (rows, keys, legacyKeys) = (prepared.rows, prepared.keys, prepared.legacyKeys)
            precondition(prepared.source == source, "a slice of another input")
            let firstRow = rowsWritten
            rowsWritten += rows.count
            var result = IndexedRows()
            result.skipped = prepared.skipped
            let findQuestion = try db.cachedStatement(sql: "SELECT id FROM question WHERE normalized = ?")
            let insertQuestion = try db.cachedStatement(sql: """
                INSERT INTO question (text, normalized, created_at) VALUES (?, ?, ?)
                """)
            let firstRowOfIDAndText = try db.cachedStatement(sql: """
                SELECT first_row FROM temp.input_id_text WHERE external_id = ? AND normalized = ?
                """)
            let textsOfID = try db.cachedStatement(sql: "SELECT normalized FROM temp.input_id_text WHERE external_id = ?")
            let findByID = try db.cachedStatement(sql: """
                SELECT e.id, e.question_id, e.line, e.text, q.normalized FROM question_entry e
                JOIN question q ON q.id = e.question_id
                WHERE e.external_id = ? AND e.source = ? AND e.id <= ? ORDER BY e.id
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
                    guard try Int.fetchOne(firstRowOfIDAndText, arguments: [externalID, key]) == firstRow + index else {
                        result.repeatedRows += 1
                        continue
                    }
                    // The id's rows as stored before this input (rows of an id change only through that id's rows,
                    // and a changed one is touched).
                    let stored = try Row.fetchAll(findByID, arguments: [externalID, source, lastEntryBefore]).map { fetched in
                        let entry = StoredRow(fetched, table: "question_entry", name: "a row of \(source)", path: path)
                        return StoredEntry(id: try entry.integer("id"), questionID: try entry.integer("question_id"),
                                           line: try entry.optionalInteger("line"), text: try entry.text("text"),
                                           key: try entry.text("normalized"))
                    }
                    // The id's row for this text; else one of its rows whose text the input no longer gives it,
                    // which this row updates.
                    var match = stored.first { $0.questionID == questionID && !touched.contains($0.id) }
                    if match == nil, stored.contains(where: { !touched.contains($0.id) }) {
                        let given = Set(try String.fetchAll(textsOfID, arguments: [externalID]))
                        match = stored.first { !given.contains($0.key) && !touched.contains($0.id) }
                    }
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
            return result
        }

        /// After the last slice: an id names the texts the input gives it, so its other stored rows go (only now,
        /// so that a question they leave without a row is not deleted while a later row still names it); with
        /// `sync`, so does every stored row of the source that the input did not give.
        func finish(sync: Bool) throws -> IndexedRows {
            var result = IndexedRows()
            let delete = try db.cachedStatement(sql: "DELETE FROM question_entry WHERE id = ?")
            let candidates = sync
                ? try Int64.fetchAll(db, sql: "SELECT id FROM question_entry WHERE source = ?", arguments: [source])
                : try Int64.fetchAll(db, sql: """
                    SELECT id FROM question_entry WHERE source = ? AND id <= ?
                        AND external_id IN (SELECT external_id FROM temp.input_id_text)
                    """, arguments: [source, lastEntryBefore])
            for id in candidates where !touched.contains(id) {
                try delete.execute(arguments: [id])
                result.removedRows += 1
            }
            return result
        }
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

    /// The normalized texts (`Tokenizer().normalized`, as stored) of the questions with these ids, in their order:
    /// the words of dedup's keyword term. An id with no stored question gets "" (no words).
    package func normalizedTexts(ids: [Int64]) throws(IndexError) -> [String] {
        try read { db in
            var byID: [Int64: String] = [:]
            byID.reserveCapacity(ids.count)
            let rows = try Row.fetchCursor(db, sql: "SELECT id, normalized FROM question")
            while let row = try rows.next() {
                let text: DatabaseValue = row[1]
                byID[row[0]] = String.fromDatabaseValue(text) ?? ""  // a non-text value: no words
            }
            return ids.map { byID[$0] ?? "" }
        }
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
