import Foundation
import GRDB

/// SQLite FTS5 BM25 over a corpus of questions, in a private in-memory database that disappears with the
/// value: the keyword baseline of `siamese eval`. The user's index has its own FTS5 table (`question_fts`,
/// `QuestionStore.keywordSearch`); both build their queries with `FullTextQuery`.
///
/// Documents are normalized texts (`Tokenizer().normalized`); FTS5's `ascii` tokenizer splits them exactly at
/// the spaces between words, so FTS5 sees the project tokenizer's words. Scores are FTS5's own `bm25()`
/// (k1 = 1.2, b = 0.75), negated so that higher is better.
public final class KeywordIndex {
    private let queue: DatabaseQueue
    /// Documents indexed; ids are 0..<count.
    public let count: Int

    /// Indexes `documents` (normalized texts); document i gets id i.
    public init(documents: [String]) throws {
        queue = try DatabaseQueue()
        count = documents.count
        try queue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE document USING fts5(text, tokenize = 'ascii')")
            let insert = try db.makeStatement(sql: "INSERT INTO document (rowid, text) VALUES (?, ?)")
            for (index, text) in documents.enumerated() {
                try insert.execute(arguments: [index + 1, text])
            }
            // One b-tree segment: queries read one posting list per word.
            try db.execute(sql: "INSERT INTO document (document) VALUES ('optimize')")
        }
    }

    /// The `k` best documents for each query by BM25, best first (ties by smaller id), leaving out
    /// `excluding` (the query's own document). A query whose words match nothing gets an empty list.
    /// - Parameters:
    ///   - queries: normalized texts, with the document to leave out.
    ///   - progress: after every 100 queries, with (done, total).
    public func search(_ queries: [(text: String, excluding: Int?)], k: Int,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> [[Fusion.Scored]] {
        try queue.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT rowid, bm25(document) AS score FROM document WHERE document MATCH ?
                ORDER BY score, rowid LIMIT ?
                """)
            var results: [[Fusion.Scored]] = []
            results.reserveCapacity(queries.count)
            for (index, query) in queries.enumerated() {
                guard let match = FullTextQuery.anyWord(of: query.text) else { results.append([]); continue }
                let rows = try Row.fetchAll(statement, arguments: [match, k + (query.excluding == nil ? 0 : 1)])
                var hits: [Fusion.Scored] = []
                for row in rows {
                    let id = (row[0] as Int64) - 1
                    if let excluding = query.excluding, id == Int64(excluding) { continue }
                    hits.append((id: id, score: -(row[1] as Double)))
                }
                results.append(Array(hits.prefix(k)))
                if (index + 1) % 100 == 0 || index + 1 == queries.count { progress(index + 1, queries.count) }
            }
            return results
        }
    }
}

/// FTS5 query expressions built from question text, so that no word is ever read as FTS5 syntax.
public enum FullTextQuery {
    /// `"w1" OR "w2" OR …` over the distinct words of `normalized` (a `Tokenizer().normalized` text), in
    /// first-occurrence order, each quoted as an FTS5 string (a `"` inside would be doubled); nil when it has
    /// no words.
    public static func anyWord(of normalized: String) -> String? {
        var seen = Set<Substring>()
        var terms: [String] = []
        for word in normalized.split(separator: " ") where seen.insert(word).inserted {
            terms.append("\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
        }
        return terms.isEmpty ? nil : terms.joined(separator: " OR ")
    }
}
