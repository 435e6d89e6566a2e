import ScanKernels

/// Exact top-k search in two passes: a scan of the compact int8 copy bounds every row's score, and only the rows
/// whose upper bound reaches the k-th best lower bound are re-scored in Float32. The result is exactly
/// `EmbeddingMatrix.search(_:k:)`'s: same ids, same order, same scores (both score with `sk_dot_f32`).
public struct CompactSearch: Sendable {
    /// The Float32 rows, for the exact re-score.
    public let matrix: EmbeddingMatrix
    /// The compact copy scanned first.
    package let compact: QuantizedEmbeddings

    /// Builds the compact copy of `matrix`.
    public init(matrix: EmbeddingMatrix) {
        self.init(matrix: matrix, compact: QuantizedEmbeddings(matrix))
    }

    /// Pairs `matrix` with a compact copy made from it (same rows, same order). The copy's bounds must be those of
    /// this matrix's rows (only the shapes are checked): they are what makes the answer exact.
    package init(matrix: EmbeddingMatrix, compact: QuantizedEmbeddings) {
        precondition(compact.count == matrix.count && compact.dimension == matrix.dimension,
                     "the compact copy does not match the matrix")
        self.matrix = matrix
        self.compact = compact
    }

    /// The `k` rows with the highest dot product with `query`, best first, equal scores by smaller id: exactly
    /// `matrix.search(query, k: k)`.
    /// - Parameter threads: threads that split the rows of the first pass (1: the calling thread only).
    public func search(_ query: [Float], k: Int, threads: Int = 1) -> [SearchHit] {
        search(query, k: k, path: .best, threads: threads).hits
    }

    /// The number of rows the first pass keeps for the exact re-score (a measure of the bound's tightness).
    package func candidateCount(_ query: [Float], k: Int) -> Int {
        search(query, k: k, path: .best, threads: 1).rescored
    }

    /// The top `k` rows for each of a block of queries ([m, d] row-major), exactly as `search(_:k:)` returns them
    /// one by one (unlike `EmbeddingMatrix.search(queries:k:)`, whose sgemm rounds differently). The first pass
    /// is cache-blocked over slabs of rows, so the compact copy streams from memory once for the whole block.
    public func search(queries: [Float], k: Int) -> [[SearchHit]] {
        search(queries: queries, k: k, path: .best, slabRows: 4096)
    }

    func search(queries: [Float], k: Int, path: ScanPath, slabRows: Int, tiled: Bool? = nil) -> [[SearchHit]] {
        let d = matrix.dimension
        let candidates = compact.candidates(forBlock: queries, k: k, path: path, slabRows: slabRows, tiled: tiled)
        return candidates.enumerated().map { query, rows in
            rescore(rows, query: Array(queries[(query * d)..<((query + 1) * d)]), k: k, path: path)
        }
    }

    /// The hits and the number of rows re-scored in Float32.
    func search(_ query: [Float], k: Int, path: ScanPath, threads: Int = 1) -> (hits: [SearchHit], rescored: Int) {
        precondition(query.count == matrix.dimension, "query has \(query.count) values, expected \(matrix.dimension)")
        guard k > 0, matrix.count > 0 else { return ([], 0) }
        let rows = compact.candidates(for: query, k: k, path: path, parts: threads)
        return (rescore(rows, query: query, k: k, path: path), rows.count)
    }

    /// The top k of `rows` by exact score (`sk_dot_f32`), ties by smaller id.
    private func rescore(_ rows: [Int64], query: [Float], k: Int, path: ScanPath) -> [SearchHit] {
        guard k > 0, matrix.count > 0 else { return [] }
        var scores = [Float](repeating: 0, count: rows.count)
        matrix.vectors.withUnsafeBufferPointer { x in
            query.withUnsafeBufferPointer { q in
                rows.withUnsafeBufferPointer { rows in
                    scores.withUnsafeMutableBufferPointer { scores in
                        guard !rows.isEmpty else { return }
                        sk_dot_f32_rows(path.kernelPath, x.baseAddress, matrix.dimension, q.baseAddress,
                                        rows.baseAddress, rows.count, scores.baseAddress)
                    }
                }
            }
        }
        var top = TopK(k: min(k, matrix.count))
        matrix.ids.withUnsafeBufferPointer { ids in
            for (row, score) in zip(rows, scores) { top.consider(score, id: ids[Int(row)]) }
        }
        return top.hits
    }
}
