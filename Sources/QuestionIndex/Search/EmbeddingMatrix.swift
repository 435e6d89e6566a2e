import SiameseNet

/// The embeddings of one model in memory: question ids and one contiguous [count, d] Float32 matrix of unit
/// vectors, scanned with BLAS. Loaded once per process (`QuestionStore.embeddingMatrix(modelID:)`).
///
/// An exhaustive scan is exact and, at this index's sizes (≤ a few million rows), fast: one sgemv streams the
/// matrix once.
public struct EmbeddingMatrix: Sendable {
    /// Embedding width d.
    public let dimension: Int
    /// Question id of each row.
    public let ids: [Int64]
    /// [count, dimension] row-major.
    public let vectors: [Float]

    /// The number of rows.
    public var count: Int { ids.count }

    /// A matrix of `ids.count` rows; `vectors` must hold `ids.count · dimension` values.
    public init(dimension: Int, ids: [Int64], vectors: [Float]) {
        precondition(dimension >= 1, "dimension must be positive")
        precondition(vectors.count == ids.count * dimension,
                     "\(vectors.count) values do not make \(ids.count) rows of \(dimension)")
        self.dimension = dimension
        self.ids = ids
        self.vectors = vectors
    }

    /// The `k` rows with the highest dot product with `query` (cosine, for unit vectors), best first; equal
    /// scores are ordered by smaller question id. Fewer than `k` when the matrix has fewer rows.
    /// - Parameter query: d values.
    /// - Complexity: O(N · d) for the scan (one BLAS gemv) plus O(N · log k) for the top k.
    public func search(_ query: [Float], k: Int) -> [SearchHit] {
        precondition(query.count == dimension, "query has \(query.count) values, expected \(dimension)")
        guard k > 0, count > 0 else { return [] }
        var scores = [Float](repeating: 0, count: count)  // [N]
        vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { query in
                scores.withUnsafeMutableBufferPointer { scores in
                    guard let a = matrix.baseAddress, let x = query.baseAddress, let y = scores.baseAddress else { return }
                    BLAS.gemv(rows: count, cols: dimension, a, x, y)
                }
            }
        }
        // Never more than the rows: TopK reserves room for k hits.
        var top = TopK(k: min(k, count))
        scores.withUnsafeBufferPointer { scores in top.consider(scores, firstRow: 0, ids: ids) }
        return top.hits
    }

    /// The top `k` rows for each of a block of queries, as `search(_:k:)` would return them one by one.
    ///
    /// The scan runs one BLAS gemm per slab of rows, so the matrix streams from memory once for the whole block
    /// while the score buffer stays small.
    /// - Parameter queries: [m, d] row-major.
    /// - Returns: m result lists, in query order.
    /// - Complexity: O(m · N · d + m · N · log k).
    public func search(queries: [Float], k: Int) -> [[SearchHit]] {
        search(queries: queries, k: k, slabRows: nil)
    }

    /// `search(queries:k:)` with a chosen slab height (tests use small ones to cross slab boundaries).
    func search(queries: [Float], k: Int, slabRows: Int?) -> [[SearchHit]] {
        precondition(queries.count % dimension == 0, "\(queries.count) values are not whole queries of \(dimension)")
        let m = queries.count / dimension
        guard k > 0, count > 0 else { return Array(repeating: [], count: m) }
        guard m > 0 else { return [] }
        // About 1 MiB of scores per slab.
        let slabRows = max(1, slabRows ?? max(256, (1 << 18) / m))
        var tops = Array(repeating: TopK(k: min(k, count)), count: m)
        var scores = [Float](repeating: 0, count: m * min(slabRows, count))  // [m, slab]
        vectors.withUnsafeBufferPointer { matrix in
            queries.withUnsafeBufferPointer { queries in
                scores.withUnsafeMutableBufferPointer { scores in
                    guard let e = matrix.baseAddress, let q = queries.baseAddress, let s = scores.baseAddress else { return }
                    for start in stride(from: 0, to: count, by: slabRows) {
                        let rows = min(slabRows, count - start)
                        // scores[m, rows] = queries[m, d] · slab[rows, d]ᵀ
                        BLAS.gemm(transposeB: true, m: m, n: rows, k: dimension, q, e + start * dimension, s)
                        for query in 0..<m {
                            tops[query].consider(UnsafeBufferPointer(start: s + query * rows, count: rows),
                                                 firstRow: start, ids: ids)
                        }
                    }
                }
            }
        }
        return tops.map(\.hits)
    }
}
