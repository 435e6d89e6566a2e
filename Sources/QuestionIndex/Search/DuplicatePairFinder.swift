import Dispatch
import ScanKernels
import SiameseNet

/// Finds every pair of rows of an `EmbeddingMatrix` whose dot product (cosine, for unit vectors) is at least a
/// threshold: the candidate duplicate questions of an index.
///
/// The scan is exact and covers the upper triangle of the N×N similarity matrix only, one B×B block of rows at
/// a time, never an N×N matrix. Each pair is scored first from int8 codes of the two rows (`sk_pairs_int8`:
/// AVX-512 VNNI multiplies 16 rows' codes by another row's in one instruction, four times the arithmetic rate of
/// Float32), and only the pairs whose approximate score could reach the threshold — the bound covers both rows'
/// quantization errors and every rounding — are scored exactly with `sk_dot_f32`, the one exact dot product of
/// every search path. The pairs and their scores are therefore exactly those of a Float32 scan with that dot
/// product, on every CPU path. Memory: the codes (d + 8 bytes a row) beside the matrix, plus the pairs found.
package struct DuplicatePairFinder: Sendable {
    /// Pairs scoring at least this are reported.
    package let threshold: Float
    /// The height B of a block of rows: the unit of work of a thread and of progress.
    package let blockRows: Int
    /// Threads scanning blocks at once.
    package let workers: Int
    /// The kernels' code path (tests run each one the CPU has).
    var path: ScanPath = .best
    /// Gives each pair found (rows and exact cosine) the score it is reported with, or nil to drop it, as the
    /// scan goes, so that only the pairs kept are held (and counted against a limit). Nil keeps every pair with
    /// its cosine. Called from the scan's threads.
    package var rescore: (@Sendable (_ row1: Int, _ row2: Int, _ cosine: Float) -> Float?)?

    /// A finder reporting pairs with a score ≥ `threshold`, which must be finite; `blockRows` and `workers`
    /// must be positive.
    package init(threshold: Float, blockRows: Int = 1024, workers: Int = 1) {
        precondition(threshold.isFinite, "the threshold must be a finite number, not \(threshold)")
        precondition(blockRows >= 1, "blockRows must be positive, not \(blockRows)")
        precondition(workers >= 1, "workers must be positive, not \(workers)")
        self.threshold = threshold
        self.blockRows = blockRows
        self.workers = workers
    }

    /// Every pair of different rows of `matrix` with a dot product ≥ `threshold`, as question ids (`matrix.ids`),
    /// smaller id first, each pair once; sorted by score descending, then `id1`, then `id2`.
    ///
    /// - Parameter progress: called after each row of blocks with the number of blocks done and the total,
    ///   ⌈N / B⌉ · (⌈N / B⌉ + 1) / 2; never called for an empty matrix.
    /// - Complexity: O(N² · d / 2) integer products plus O(P · log P) to sort the P pairs found. P can reach
    ///   N · (N − 1) / 2 for a low threshold: choose it accordingly.
    package func pairs(in matrix: EmbeddingMatrix,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair] {
        pairs(in: matrix, limit: .max, progress: progress) ?? []
    }

    /// `pairs(in:progress:)`, stopping as soon as more than `limit` pairs are found: nil then. Guards memory
    /// when a threshold is too low for the index (every pair of a million questions would need terabytes).
    package func pairs(in matrix: EmbeddingMatrix, limit: Int,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair]? {
        let count = matrix.count
        guard count > 0 else { return [] }
        let packed = PackedPairRows(matrix)
        let blockRows = min(self.blockRows, count)
        let blockCount = (count + blockRows - 1) / blockRows
        let blocksTotal = blockCount * (blockCount + 1) / 2
        let path = self.path.kernelPath
        let sinks = (0..<blockCount).map { _ in PairSink(limit: limit, rescore: rescore) }
        var blocksDone = 0, found = 0
        // Row of blocks I against every block J ≥ I, the J blocks shared among the workers; the pairs of each
        // J block go to its own sink, so the threads never share one.
        for blockI in 0..<blockCount {
            let i0 = blockI * blockRows, i1 = min(i0 + blockRows, count)
            let columns = blockCount - blockI
            let perWorker = (columns + workers - 1) / workers
            packed.withRows { rows in
                matrix.vectors.withUnsafeBufferPointer { vectors in
                    let job = BlockRowJob(rows: rows, vectors: vectors.baseAddress!, threshold: threshold, path: path,
                                          rowRange: i0..<i1, firstBlock: blockI, blockCount: blockCount,
                                          blockRows: blockRows, count: count, perWorker: perWorker, sinks: sinks)
                    if workers == 1 { job.run(worker: 0) } else {
                        DispatchQueue.concurrentPerform(iterations: workers) { job.run(worker: $0) }
                    }
                }
            }
            found = sinks.reduce(0) { $0 + $1.pairs.count }
            if found > limit { return nil }
            blocksDone += columns
            progress?(blocksDone, blocksTotal)
        }
        let ids = matrix.ids
        var result: [ScoredPair] = []
        result.reserveCapacity(found)
        for sink in sinks {
            for pair in sink.pairs {
                let a = ids[Int(pair.i)], b = ids[Int(pair.j)]
                result.append(ScoredPair(id1: min(a, b), id2: max(a, b), score: pair.score))
            }
        }
        result.sort(by: ScoredPair.precedes)
        return result
    }
}

/// One row of blocks: rows `rowRange` against the blocks `firstBlock ..< blockCount`, `perWorker` blocks each.
private struct BlockRowJob: @unchecked Sendable {
    let rows: sk_pair_rows
    let vectors: UnsafePointer<Float>
    let threshold: Float
    let path: sk_path
    let rowRange: Range<Int>
    let firstBlock: Int, blockCount: Int, blockRows: Int, count: Int, perWorker: Int
    let sinks: [PairSink]

    func run(worker: Int) {
        let first = firstBlock + worker * perWorker
        guard first < blockCount else { return }
        for blockJ in first..<min(first + perWorker, blockCount) {
            let j0 = blockJ * blockRows, j1 = min(j0 + blockRows, count)
            let context = Unmanaged.passUnretained(sinks[blockJ]).toOpaque()
            _ = withUnsafePointer(to: rows) { rows in
                sk_pairs_int8(path, rows, vectors, threshold, rowRange.lowerBound, rowRange.upperBound, j0, j1,
                              { context, i, j, score in
                    let sink = Unmanaged<PairSink>.fromOpaque(context!).takeUnretainedValue()
                    return sink.add(i, j, score) ? 0 : 1
                }, context)
            }
        }
    }
}

/// The pairs found in one block column, written by one thread at a time.
private final class PairSink: @unchecked Sendable {
    var pairs: [(i: UInt32, j: UInt32, score: Float)] = []
    let limit: Int
    let rescore: (@Sendable (Int, Int, Float) -> Float?)?
    init(limit: Int, rescore: (@Sendable (Int, Int, Float) -> Float?)?) {
        self.limit = limit
        self.rescore = rescore
    }
    /// Adds a pair (rescored, or dropped, when the finder rescores); false once this sink alone holds more
    /// than the limit (the scan then stops).
    func add(_ i: Int, _ j: Int, _ score: Float) -> Bool {
        if let rescore {
            guard let kept = rescore(i, j, score) else { return true }
            pairs.append((UInt32(i), UInt32(j), kept))
        } else {
            pairs.append((UInt32(i), UInt32(j), score))
        }
        return pairs.count <= limit
    }
}

/// The int8 codes of a matrix in the all-pairs kernel's tile layout (`sk_pack_pair_rows`).
private struct PackedPairRows {
    let count: Int, dimension: Int
    var packed: [Int8], tileScales: [Float], sums: [Int32]
    let maxError: Float, maxNorm: Float

    /// Quantizes (`sk_quantize_rows_int8`) and packs `matrix` a slice of rows at a time, so that only the
    /// packed copy and one slice's codes are held at once.
    init(_ matrix: EmbeddingMatrix, sliceRows: Int = 4096) {
        count = matrix.count
        dimension = matrix.dimension
        let (n, d) = (count, dimension)
        packed = [Int8](repeating: 0, count: sk_pair_tiles(n) * sk_pair_groups(d) * 64)
        tileScales = [Float](repeating: 0, count: sk_pair_tiles(n) * 16)
        sums = [Int32](repeating: 0, count: n)
        var codes = [Int8](repeating: 0, count: sliceRows * d)
        var scales = [Float](repeating: 0, count: sliceRows), errors = scales, norms = scales
        var maxError: Float = 0, maxNorm: Float = 0
        for first in stride(from: 0, to: n, by: sliceRows) {
            let rows = min(sliceRows, n - first)
            matrix.vectors.withUnsafeBufferPointer { x in
                sk_quantize_rows_int8(x.baseAddress! + first * d, rows, d, &codes, &scales, &errors, &norms)
            }
            maxError = max(maxError, errors[..<rows].max() ?? 0)
            maxNorm = max(maxNorm, norms[..<rows].max() ?? 0)
            sk_pack_pair_rows(codes, scales, first, rows, d, &packed, &tileScales, &sums)
        }
        self.maxError = maxError
        self.maxNorm = maxNorm
    }

    func withRows<R>(_ body: (sk_pair_rows) -> R) -> R {
        packed.withUnsafeBufferPointer { packed in
            tileScales.withUnsafeBufferPointer { tileScales in
                sums.withUnsafeBufferPointer { sums in
                    body(sk_pair_rows(packed: packed.baseAddress, tile_scales: tileScales.baseAddress,
                                      sums: sums.baseAddress, n: count, d: dimension, max_error: maxError,
                                      max_norm: maxNorm))
                }
            }
        }
    }
}
