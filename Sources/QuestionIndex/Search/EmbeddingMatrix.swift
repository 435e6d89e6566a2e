import ScanKernels
import SiameseNet

/// The embeddings of one model in memory: question ids and one contiguous [count, d] Float32 matrix of unit
/// vectors, scanned with BLAS. Loaded once per process (`QuestionStore.embeddingMatrix(modelID:)`).
///
/// An exhaustive scan is exact and, at this index's sizes (≤ a few million rows), fast: one query streams the
/// matrix once through a fused dot-product-and-threshold kernel (`ScanKernels`), a block of queries through
/// one sgemm per slab. For a scan that reads ¼ of the bytes with the same answer, see `CompactSearch`.
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
    ///
    /// Scores are `sk_dot_f32`'s (one defined Float32 summation order on every CPU path), so `CompactSearch`
    /// returns exactly these hits. One fused pass: each row's dot product is compared with the k-th best score
    /// so far, with no N-float score buffer.
    /// - Parameter query: d values.
    /// - Complexity: O(N · d) for the scan plus O(N · log k) at worst for the top k (far less on typical data).
    public func search(_ query: [Float], k: Int) -> [SearchHit] {
        search(query, k: k, path: .best)
    }

    /// The exact score of one row (`sk_dot_f32`, as `search(_:k:)` computes it).
    func score(row: Int, query: [Float]) -> Float {
        precondition(query.count == dimension && (0..<count).contains(row), "no such row or query width")
        return vectors.withUnsafeBufferPointer { x in
            query.withUnsafeBufferPointer { q in
                sk_dot_f32(ScanPath.best.kernelPath, x.baseAddress! + row * dimension, q.baseAddress, dimension)
            }
        }
    }

    /// `search(_:k:)` on a chosen kernel path.
    func search(_ query: [Float], k: Int, path: ScanPath) -> [SearchHit] {
        precondition(query.count == dimension, "query has \(query.count) values, expected \(dimension)")
        guard k > 0, count > 0 else { return [] }
        let kept = min(k, count)  // never more than the rows: TopK reserves room for k hits
        let chunkRows = min(count, 1 << 14)
        let heapValues = UnsafeMutablePointer<Double>.allocate(capacity: kept)
        let emittedRows = UnsafeMutablePointer<Int64>.allocate(capacity: chunkRows)
        let emittedScores = UnsafeMutablePointer<Float>.allocate(capacity: chunkRows)
        defer { heapValues.deallocate(); emittedRows.deallocate(); emittedScores.deallocate() }
        var heap = sk_bound_heap(values: heapValues, count: 0, capacity: kept)
        var top = TopK(k: kept)
        vectors.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { query in
                ids.withUnsafeBufferPointer { ids in
                    for first in stride(from: 0, to: count, by: chunkRows) {
                        let emitted = sk_scan_f32(path.kernelPath, matrix.baseAddress, dimension, first,
                                                  min(chunkRows, count - first), query.baseAddress, &heap,
                                                  emittedRows, emittedScores)
                        for i in 0..<emitted { top.consider(emittedScores[i], id: ids[Int(emittedRows[i])]) }
                    }
                }
            }
        }
        return top.hits
    }

    /// The top `k` rows for each of a block of queries, as `search(_:k:)` would return them one by one (sgemm
    /// sums in another order than `sk_dot_f32`: scores may differ in the last bits, so rows within a rounding
    /// error of each other may swap).
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
