import Foundation
import GRDB

/// SQLite FTS5 BM25 over a corpus of questions, in a private in-memory database that disappears with the
/// value: the keyword baseline of `siamese eval`. The user's index has its own FTS5 table (`question_fts`,
/// `QuestionStore.keywordSearch`); both build their queries with `FullTextQuery`.
///
/// Documents are normalized texts (`Tokenizer().normalized`); FTS5's `ascii` tokenizer splits them exactly at
/// the spaces between words, so FTS5 sees the project tokenizer's words, each stemmed by `porter`
/// (`FullTextQuery.tokenizer`, the same as the index's table). Scores are FTS5's own `bm25()`
/// (k1 = 1.2, b = 0.75), negated so that higher is better.
///
/// Very common words are left out of the queries (see `FullTextQuery.commonWordFraction`): FTS5 computes
/// `bm25()` for every row an OR query matches, and one word such as "what" (in 40% of the Quora questions)
/// makes that most of the corpus.
///
/// With several `replicas`, each is a copy of the same index, searched by its own thread (SQLite connections
/// are not shared between threads): the search runs in parallel for the price of building each copy.
final class KeywordIndex: Sendable {
    private let replicas: [DatabaseQueue]
    /// Documents indexed; ids are 0..<count.
    let count: Int

    /// Indexes `documents` (normalized texts); document i gets id i.
    /// - Parameter replicas: copies of the index, one per searching thread.
    init(documents: [String], replicas: Int = 1) throws {
        precondition(replicas >= 1)
        count = documents.count
        var queues: [DatabaseQueue] = []
        for _ in 0..<replicas {
            let queue = try DatabaseQueue()
            try queue.write { db in
                try db.execute(sql: "CREATE VIRTUAL TABLE document USING fts5(text, tokenize = '\(FullTextQuery.tokenizer)')")
                let insert = try db.makeStatement(sql: "INSERT INTO document (rowid, text) VALUES (?, ?)")
                for (index, text) in documents.enumerated() {
                    try insert.execute(arguments: [index + 1, text])
                }
                // One b-tree segment: queries read one posting list per word.
                try db.execute(sql: "INSERT INTO document (document) VALUES ('optimize')")
            }
            queues.append(queue)
        }
        self.replicas = queues
    }

    /// How many documents hold each of `words`, as FTS5 matches them (stemmed): one `count(*)` per word.
    func documentFrequency(of words: some Sequence<Substring>) throws -> [Substring: Int] {
        try replicas[0].read { db in
            let statement = try db.makeStatement(sql: "SELECT COUNT(*) FROM document WHERE document MATCH ?")
            var frequencies: [Substring: Int] = [:]
            for word in words where frequencies[word] == nil {
                frequencies[word] = try Int.fetchOne(statement, arguments: [FullTextQuery.quoted(word)]) ?? 0
            }
            return frequencies
        }
    }

    /// The `k` best documents for each query by BM25, best first (ties by smaller id), leaving out
    /// `excluding` (the query's own document). A query whose words match nothing gets an empty list.
    /// The queries are split in contiguous parts, one per replica, searched in parallel.
    /// - Parameters:
    ///   - queries: normalized texts, with the document to leave out.
    ///   - commonWordFraction: words in more than this fraction of the documents are left out of a query
    ///     (unless all its words are); 1 keeps every word.
    ///   - progress: every 100 queries of the first part, with an estimate of (done, total) for all parts.
    func search(_ queries: [(text: String, excluding: Int?)], k: Int,
                       commonWordFraction: Double = FullTextQuery.commonWordFraction,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> [[Fusion.Scored]] {
        let frequency = try documentFrequency(of: queries.lazy.flatMap { $0.text.split(separator: " ") })
        let parts = min(replicas.count, max(1, queries.count))
        let size = (queries.count + parts - 1) / parts
        if parts == 1 { return try search(queries[...], on: replicas[0], k: k, fraction: commonWordFraction, frequency: frequency,
                                          progress: { done in progress(done, queries.count) }) }
        let results = PartResults(count: parts)
        withoutActuallyEscaping(progress) { progress in
            let report = UncheckedProgress(report: progress)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let slice = queries[(part * size)..<min((part + 1) * size, queries.count)]
                do {
                    let hits = try self.search(slice, on: self.replicas[part], k: k, fraction: commonWordFraction,
                                                   frequency: frequency) { done in
                        if part == 0 { report.report(min(queries.count, done * parts), queries.count) }
                    }
                    results.set(part, .success(hits))
                } catch {
                    results.set(part, .failure(error))
                }
            }
            _ = report
        }
        let all = try results.collect()
        progress(queries.count, queries.count)
        return all
    }

    private func search(_ queries: ArraySlice<(text: String, excluding: Int?)>, on queue: DatabaseQueue, k: Int,
                        fraction: Double, frequency: [Substring: Int],
                        progress: (Int) -> Void) throws -> [[Fusion.Scored]] {
        let limit = fraction * Double(count)
        return try queue.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT rowid, bm25(document) AS score FROM document WHERE document MATCH ?
                ORDER BY score, rowid LIMIT ?
                """)
            var results: [[Fusion.Scored]] = []
            results.reserveCapacity(queries.count)
            for (index, query) in queries.enumerated() {
                guard let match = FullTextQuery.anyWord(of: query.text, limit: limit, frequency: { frequency[$0] ?? 0 })
                else { results.append([]); continue }
                let rows = try Row.fetchAll(statement, arguments: [match, k + (query.excluding == nil ? 0 : 1)])
                var hits: [Fusion.Scored] = []
                for row in rows {
                    let id = (row[0] as Int64) - 1
                    if let excluding = query.excluding, id == Int64(excluding) { continue }
                    hits.append((id: id, score: -(row[1] as Double)))
                }
                results.append(Array(hits.prefix(k)))
                if (index + 1) % 100 == 0 || index + 1 == queries.count { progress(index + 1) }
            }
            return results
        }
    }
}

/// The results of the parts of a parallel search, each written by one thread.
private final class PartResults: @unchecked Sendable {
    private var parts: [Result<[[Fusion.Scored]], any Error>?]
    private let lock = NSLock()

    init(count: Int) { parts = Array(repeating: nil, count: count) }

    func set(_ part: Int, _ result: Result<[[Fusion.Scored]], any Error>) {
        lock.lock()
        parts[part] = result
        lock.unlock()
    }

    /// Every part's hits in order, or the first part's error.
    func collect() throws -> [[Fusion.Scored]] {
        lock.lock()
        defer { lock.unlock() }
        var all: [[Fusion.Scored]] = []
        for part in parts { all += try part?.get() ?? [] }
        return all
    }
}

/// A progress callback called from one worker thread only (the caller waits meanwhile).
private struct UncheckedProgress: @unchecked Sendable {
    let report: (Int, Int) -> Void
}

/// FTS5 query expressions built from question text, so that no word is ever read as FTS5 syntax.
package enum FullTextQuery {
    /// The FTS5 tokenizer of every keyword index: the project tokenizer's words (split at the spaces of a
    /// normalized text by `ascii`), stemmed by `porter` so that "learn", "learning" and "learned" are one term
    /// (Quora dev, hybrid MRR@10 0.832 → 0.852; docs/design.md). Migration 0013 creates `question_fts` with it.
    package static let tokenizer = "porter ascii"

    /// Words in more than this fraction of the documents are left out of keyword queries by default.
    ///
    /// FTS5's `bm25()` costs ~2 µs per matched row and phrase, and an OR query matches every row holding any
    /// of its words: on 61k Quora questions, 3,049 queries took 135 ms each with every word, 18 ms without
    /// the 14 words in more than 10% of the questions ("what", "the", "is", "how", …), with MRR@10 0.802
    /// instead of 0.798 (those words carry little weight: idf ≤ ln 9, against ~8 for a rare word).
    package static let commonWordFraction = 0.1

    /// `"w1" OR "w2" OR …` over the distinct words of `normalized` (a `Tokenizer().normalized` text), in
    /// first-occurrence order, each quoted as an FTS5 string (a `"` inside would be doubled). Words no document
    /// holds are left out (they add nothing to any score); of the rest, words held by more than `limit`
    /// documents are left out unless all of them are. Nil when no word is held by any document.
    /// - Parameter frequency: how many documents hold a word (after the index's stemming: FTS5 `MATCH` counts).
    static func anyWord(of normalized: String, limit: Double = .infinity,
                        frequency: (Substring) throws -> Int) rethrows -> String? {
        var seen = Set<Substring>()
        var held: [(word: Substring, count: Int)] = []
        for word in normalized.split(separator: " ") where seen.insert(word).inserted {
            let count = try frequency(word)
            if count > 0 { held.append((word, count)) }
        }
        let informative = held.filter { Double($0.count) <= limit }
        let kept = informative.isEmpty ? held : informative
        return kept.isEmpty ? nil : kept.map { quoted($0.word) }.joined(separator: " OR ")
    }

    /// `word` as an FTS5 string: in double quotes, a `"` inside doubled, so it is never read as syntax.
    static func quoted(_ word: Substring) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
