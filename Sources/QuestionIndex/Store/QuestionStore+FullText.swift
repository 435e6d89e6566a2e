import GRDB
import SiameseNet

/// Keyword search over the stored questions: FTS5 `bm25()` on `question_fts`, the full-text index of
/// `question.normalized` kept in step by triggers (Migrations/0004_question_fts.sql).
extension QuestionStore {
    /// The `k` stored questions best matching any word of `text` by BM25, best first (ties by smaller id),
    /// with scores where higher is better (the negation of FTS5's `bm25()`). Empty when `text` has no words
    /// or none of them is stored.
    /// - Complexity: proportional to the postings of the query's words.
    public func keywordSearch(_ text: String, k: Int) throws(IndexError) -> [Fusion.Scored] {
        guard k > 0, let match = FullTextQuery.anyWord(of: Tokenizer().normalized(text)) else { return [] }
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT rowid, bm25(question_fts) AS score FROM question_fts WHERE question_fts MATCH ?
                ORDER BY score, rowid LIMIT ?
                """, arguments: [match, k]).map { (id: $0[0], score: -($0[1] as Double)) }
        }
    }

    /// How many stored questions contain every word of `text` according to the full-text index (for
    /// checking that it follows the question table).
    public func keywordMatchCount(allWordsOf text: String) throws(IndexError) -> Int {
        let words = Tokenizer().normalized(text).split(separator: " ")
        guard !words.isEmpty else { return 0 }
        let match = words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_fts WHERE question_fts MATCH ?",
                             arguments: [match]) ?? 0
        }
    }

    /// Deletes questions (and, by cascade, their embeddings and full-text entries).
    /// - Returns: how many were deleted.
    @discardableResult
    public func deleteQuestions(ids: [Int64]) throws(IndexError) -> Int {
        try write { db in
            var deleted = 0
            for id in ids {
                try db.execute(sql: "DELETE FROM question WHERE id = ?", arguments: [id])
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
