import GRDB
import GRDBSQLite
import ScanKernels

/// A model's compact copy as read from the store: one row per stored embedding, ordered by question id.
package struct CompactEmbeddings: Sendable {
    /// The model the rows belong to.
    package let modelID: Int64
    /// Question id of each row, ascending.
    package let ids: [Int64]
    /// The int8 rows and their bounds, in the order of `ids`.
    package let compact: QuantizedEmbeddings
    /// How many rows came from fresh chunks; the others were read as Float32 and quantized on the fly.
    package let chunkedRows: Int
    /// The database state it was read from.
    let version: Version

    /// The number of rows.
    package var count: Int { ids.count }

    /// What the database looked like when a copy was read: equal versions on one store mean equal contents.
    struct Version: Equatable, Sendable {
        let store: ObjectIdentifier
        /// `PRAGMA data_version`: changes when another connection commits.
        let dataVersion: Int64
        /// `sqlite3_total_changes64`: changes when this connection writes.
        let ownChanges: Int64

        init(_ db: Database, store: ObjectIdentifier, path: String) throws {
            guard let connection = db.sqliteConnection else {
                throw IndexError.database(path: path, message: "the connection is closed")
            }
            self.store = store
            // The first statement of the transaction: it starts the read, so the version is the snapshot's.
            dataVersion = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
            ownChanges = sqlite3_total_changes64(connection)
        }
    }
}

/// One read transaction's view of a model (`QuestionStore.withCompactSnapshot`): its compact copy and its Float32
/// rows, from the same snapshot. Valid only inside the closure it was given to.
package struct CompactSnapshot {
    /// The compact copy.
    package let embeddings: CompactEmbeddings
    let context: CompactReadContext

    /// The stored Float32 vectors of `questionIDs` (any order, repeats allowed), as a matrix of the ids that
    /// have one, ascending; ids without a vector under the model are left out.
    /// - Throws: `IndexError.corruptEmbedding`/`.corruptValue` for a stored vector of the wrong size or not unit.
    /// - Complexity: O(c · (log N + d)) for c ids: one lookup each, or one pass over their id range when they
    ///   are many.
    package func vectors(questionIDs: [Int64]) throws(IndexError) -> EmbeddingMatrix {
        do { return try context.vectors(Array(Set(questionIDs)).sorted()) } catch {
            throw IndexError(translating: error, path: context.path)
        }
    }

    /// The `k` rows with the highest dot product with each query, best first, equal scores by smaller id:
    /// exactly what `EmbeddingMatrix.search(_:k:)` returns over the same embeddings (same ids, order and
    /// scores). The compact copy bounds every row's score (`CompactSearch`); only the rows that could reach the
    /// top k are fetched as Float32 and re-scored.
    /// - Parameter queries: [m, d] row-major; a block of several is scanned slab by slab.
    /// - Returns: m result lists, in query order.
    /// - Throws: `IndexError.corruptValue` when a row of the copy has no stored vector (the store was changed
    ///   behind the triggers), or what `vectors(questionIDs:)` throws.
    /// - Complexity: O(m · N · d) for the first pass, plus O(c · d) for the c candidates.
    package func search(queries: [Float], k: Int) throws(IndexError) -> [[SearchHit]] {
        let d = embeddings.compact.dimension
        precondition(queries.count % d == 0, "\(queries.count) values are not whole queries of \(d)")
        let m = queries.count / d, compact = embeddings.compact, ids = embeddings.ids
        guard k > 0, m > 0, !ids.isEmpty else { return Array(repeating: [], count: m) }
        let path = ScanPath.best
        let candidates = m == 1 ? [compact.candidates(for: queries, k: k, path: path)]
            : compact.candidates(forBlock: queries, k: k, path: path)
        // The candidate rows of all queries, once each, in row (so id) order; and where each lands among them.
        // Marks in an array of the copy's size, not a Set: when many rows tie (questions the model encodes alike)
        // every query has thousands of candidates, and hashing them was most of the time.
        var position = [Int32](repeating: -1, count: ids.count)
        for row in candidates.joined() { position[Int(row)] = 0 }
        var wanted: [Int64] = []
        for row in position.indices where position[row] == 0 {
            position[row] = Int32(wanted.count)
            wanted.append(ids[row])
        }
        let rows: EmbeddingMatrix
        do { rows = try context.vectors(wanted) } catch { throw IndexError(translating: error, path: context.path) }
        guard rows.ids == wanted else {
            let missing = Set(wanted).subtracting(rows.ids).min() ?? 0
            throw IndexError.corruptValue(path: context.path, table: "compact_chunk_data", column: "question_ids",
                                          row: "the chunks of model \"\(context.modelName)\"",
                                          problem: "list question \(missing), which has no embedding")
        }
        return candidates.enumerated().map { query, candidateRows in
            let picked = candidateRows.map { Int64(position[Int($0)]) }
            var scores = [Float](repeating: 0, count: picked.count)
            rows.vectors.withUnsafeBufferPointer { x in
                queries.withUnsafeBufferPointer { q in
                    picked.withUnsafeBufferPointer { picked in
                        scores.withUnsafeMutableBufferPointer { scores in
                            guard !picked.isEmpty else { return }
                            sk_dot_f32_rows(path.kernelPath, x.baseAddress, d, q.baseAddress! + query * d,
                                            picked.baseAddress, picked.count, scores.baseAddress)
                        }
                    }
                }
            }
            var top = TopK(k: min(k, ids.count))
            for (row, score) in zip(picked, scores) { top.consider(score, id: rows.ids[Int(row)]) }
            return top.hits
        }
    }
}
