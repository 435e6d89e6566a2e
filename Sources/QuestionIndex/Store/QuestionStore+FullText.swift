import GRDB
import SiameseNet

/// Keyword search over the stored questions: FTS5 `bm25()` on `question_fts`, the full-text index of
/// `question.normalized` kept in step by triggers (Migrations/0004_question_fts.sql).
extension QuestionStore {
    /// The `k` stored questions best matching any word of `text` by BM25, best first (ties by smaller id),
    /// with scores where higher is better (the negation of FTS5's `bm25()`). Empty when `text` has no words
    /// or none of them is stored. Words in more than `commonWordFraction` of the stored questions are left
    /// out of the query unless all its words are (as `KeywordIndex` does; 1 keeps every word).
    /// - Complexity: proportional to the postings of the query's words.
    func keywordSearch(_ text: String, k: Int,
                              commonWordFraction: Double = FullTextQuery.commonWordFraction) throws(IndexError)
        -> [Fusion.Scored] {
        let normalized = Tokenizer().normalized(text)
        guard k > 0, !normalized.isEmpty else { return [] }
        return try read { db in
            let limit = commonWordFraction < 1
                ? commonWordFraction * Double(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0) : .infinity
            let count = try db.cachedStatement(sql: "SELECT COUNT(*) FROM question_fts WHERE question_fts MATCH ?")
            guard let match = try FullTextQuery.anyWord(of: normalized, limit: limit, frequency: { word in
                try Int.fetchOne(count, arguments: [FullTextQuery.quoted(word)]) ?? 0
            }) else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT rowid, bm25(question_fts) AS score FROM question_fts WHERE question_fts MATCH ?
                ORDER BY score, rowid LIMIT ?
                """, arguments: [match, k]).map { (id: $0[0], score: -($0[1] as Double)) }
        }
    }

    /// How many stored questions contain every word of `text` according to the full-text index (for
    /// checking that it follows the question table).
    func keywordMatchCount(allWordsOf text: String) throws(IndexError) -> Int {
        let words = Tokenizer().normalized(text).split(separator: " ")
        guard !words.isEmpty else { return 0 }
        let match = words.map(FullTextQuery.quoted).joined(separator: " AND ")
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_fts WHERE question_fts MATCH ?",
                             arguments: [match]) ?? 0
        }
    }

    /// Deletes questions (and, by cascade, their embeddings and full-text entries).
    /// - Returns: how many were deleted.
    @discardableResult
    func deleteQuestions(ids: [Int64]) throws(IndexError) -> Int {
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
