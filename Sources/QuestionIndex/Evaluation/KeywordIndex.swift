import Foundation
import GRDB

/// SQLite FTS5 BM25 over a corpus of questions, in a private in-memory database that disappears with the
/// value: the keyword baseline of `siamese eval`. The user's index has its own FTS5 table (`question_fts`,
/// `QuestionStore.keywordSearch`); both build their queries with `FullTextQuery`.
///
/// Documents are normalized texts (`Tokenizer().normalized`); FTS5's `ascii` tokenizer splits them exactly at
/// the spaces between words, so FTS5 sees the project tokenizer's words. Scores are FTS5's own `bm25()`
/// (k1 = 1.2, b = 0.75), negated so that higher is better.
///
/// Very common words are left out of the queries (see `FullTextQuery.commonWordFraction`): FTS5 computes
/// `bm25()` for every row an OR query matches, and one word such as "what" (in 40% of the Quora questions)
/// makes that most of the corpus.
public final class KeywordIndex {
    private let queue: DatabaseQueue
    /// Documents indexed; ids are 0..<count.
    public let count: Int
    /// How many documents hold each word.
    public let documentFrequency: [String: Int]

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
        documentFrequency = try queue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, document, 'row')")
            var frequencies: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT term, doc FROM temp.vocabulary") { frequencies[row[0]] = row[1] }
            return frequencies
        }
    }

    /// The `k` best documents for each query by BM25, best first (ties by smaller id), leaving out
    /// `excluding` (the query's own document). A query whose words match nothing gets an empty list.
    /// - Parameters:
    ///   - queries: normalized texts, with the document to leave out.
    ///   - commonWordFraction: words in more than this fraction of the documents are left out of a query
    ///     (unless all its words are); 1 keeps every word.
    ///   - progress: after every 100 queries, with (done, total).
    public func search(_ queries: [(text: String, excluding: Int?)], k: Int,
                       commonWordFraction: Double = FullTextQuery.commonWordFraction,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> [[Fusion.Scored]] {
        let limit = commonWordFraction * Double(count)
        let frequency = documentFrequency
        return try queue.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT rowid, bm25(document) AS score FROM document WHERE document MATCH ?
                ORDER BY score, rowid LIMIT ?
                """)
            var results: [[Fusion.Scored]] = []
            results.reserveCapacity(queries.count)
            for (index, query) in queries.enumerated() {
                guard let match = FullTextQuery.anyWord(of: query.text, isCommon: { Double(frequency[String($0)] ?? 0) > limit })
                else { results.append([]); continue }
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
    /// Words in more than this fraction of the documents are left out of keyword queries by default.
    ///
    /// FTS5's `bm25()` costs ~2 µs per matched row and phrase, and an OR query matches every row holding any
    /// of its words: on 61k Quora questions, 3,049 queries took 135 ms each with every word, 18 ms without
    /// the 14 words in more than 10% of the questions ("what", "the", "is", "how", …), with MRR@10 0.802
    /// instead of 0.798 (those words carry little weight: idf ≤ ln 9, against ~8 for a rare word).
    public static let commonWordFraction = 0.1

    /// `"w1" OR "w2" OR …` over the distinct words of `normalized` (a `Tokenizer().normalized` text), in
    /// first-occurrence order, each quoted as an FTS5 string (a `"` inside would be doubled); nil when it has
    /// no words. Words for which `isCommon` holds are left out, unless every word is common.
    public static func anyWord(of normalized: String, isCommon: (Substring) -> Bool = { _ in false }) -> String? {
        var seen = Set<Substring>()
        var words: [Substring] = []
        for word in normalized.split(separator: " ") where seen.insert(word).inserted { words.append(word) }
        let informative = words.filter { !isCommon($0) }
        let kept = informative.isEmpty ? words : informative
        return kept.isEmpty ? nil : kept.map(quoted).joined(separator: " OR ")
    }

    /// `word` as an FTS5 string: in double quotes, a `"` inside doubled, so it is never read as syntax.
    public static func quoted(_ word: Substring) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
