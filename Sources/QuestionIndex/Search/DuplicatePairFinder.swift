import SiameseNet

/// Finds every pair of rows of an `EmbeddingMatrix` whose dot product (cosine, for unit vectors) is at least a
/// threshold: the candidate duplicate questions of an index.
///
/// The scan is exact and covers the upper triangle of the N×N similarity matrix only, one B×B block at a time:
/// for row blocks I ≤ J, one BLAS gemm computes A_I · A_Jᵀ into a reused B×B buffer, which is then scanned for
/// scores at or above the threshold (in a diagonal block, only entries right of the diagonal). Memory is the
/// buffer plus the pairs found; no N×N matrix is ever built.
package struct DuplicatePairFinder: Sendable {
    /// Pairs scoring at least this are reported.
    package let threshold: Float
    /// The height B of a row block; the score buffer holds B² floats (4 MiB for the default 1024).
    package let blockRows: Int

    /// A finder reporting pairs with a score ≥ `threshold`, which must be finite; `blockRows` must be positive.
    package init(threshold: Float, blockRows: Int = 1024) {
        precondition(threshold.isFinite, "the threshold must be a finite number, not \(threshold)")
        precondition(blockRows >= 1, "blockRows must be positive, not \(blockRows)")
        self.threshold = threshold
        self.blockRows = blockRows
    }

    /// Every pair of different rows of `matrix` with a dot product ≥ `threshold`, as question ids (`matrix.ids`),
    /// smaller id first, each pair once; sorted by score descending, then `id1`, then `id2`.
    ///
    /// - Parameter progress: called after each block product with the number of blocks done and the total,
    ///   ⌈N / B⌉ · (⌈N / B⌉ + 1) / 2; never called for an empty matrix.
    /// - Complexity: O(N² · d / 2) for the products (about ⌈N / B⌉² / 2 gemm calls) plus O(P · log P) to sort
    ///   the P pairs found. P can reach N · (N − 1) / 2 for a low threshold: choose it accordingly.
    package func pairs(in matrix: EmbeddingMatrix,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair] {
        pairs(in: matrix, limit: .max, progress: progress) ?? []
    }

    /// `pairs(in:progress:)`, stopping as soon as more than `limit` pairs are found: nil then. Guards memory
    /// when a threshold is too low for the index (every pair of a million questions would need terabytes).
    package func pairs(in matrix: EmbeddingMatrix, limit: Int,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair]? {
        let count = matrix.count
        let dimension = matrix.dimension
        let ids = matrix.ids
        guard count > 0 else { return [] }
        let blockRows = min(self.blockRows, count)
        let blockCount = (count + blockRows - 1) / blockRows
        let blocksTotal = blockCount * (blockCount + 1) / 2
        var blocksDone = 0
        var found: [ScoredPair] = []
        var exceeded = false
        var scores = [Float](repeating: 0, count: blockRows * blockRows)  // [rows of block I, rows of block J]
        matrix.vectors.withUnsafeBufferPointer { vectors in
            scores.withUnsafeMutableBufferPointer { scores in
                guard let a = vectors.baseAddress, let s = scores.baseAddress else { return }
                scan: for blockI in 0..<blockCount {
                    let startI = blockI * blockRows
                    let rowsI = min(blockRows, count - startI)
                    for blockJ in blockI..<blockCount {
                        let startJ = blockJ * blockRows
                        let rowsJ = min(blockRows, count - startJ)
                        // scores[rowsI, rowsJ] = A_I[rowsI, d] · A_J[rowsJ, d]ᵀ
                        BLAS.gemm(transposeB: true, m: rowsI, n: rowsJ, k: dimension,
                                  a + startI * dimension, a + startJ * dimension, s)
                        for r in 0..<rowsI {
                            let row = s + r * rowsJ
                            let idI = ids[startI + r]
                            // In a diagonal block, only the entries right of the diagonal: j > i.
                            Self.scan(row, from: blockI == blockJ ? r + 1 : 0, to: rowsJ, threshold: threshold) { c in
                                let idJ = ids[startJ + c]
                                found.append(ScoredPair(id1: min(idI, idJ), id2: max(idI, idJ), score: row[c]))
                            }
                        }
                        if found.count > limit {
                            exceeded = true
                            break scan
                        }
                        blocksDone += 1
                        progress?(blocksDone, blocksTotal)
                    }
                }
            }
        }
        if exceeded { return nil }
        found.sort(by: ScoredPair.precedes)
        return found
    }

    /// Calls `hit` with every c in start..<end where row[c] ≥ threshold, in increasing order. Nearly every
    /// score is below the threshold, so 16 at a time are compared with one SIMD test and only a chunk with a
    /// hit is looked at one by one: the scan of the B×B scores then costs less than their gemm.
    @inline(__always)
    private static func scan(_ row: UnsafeMutablePointer<Float>, from start: Int, to end: Int, threshold: Float,
                             hit: (Int) -> Void) {
        var c = start
        let limit = SIMD16<Float>(repeating: threshold)
        let raw = UnsafeRawPointer(row)
        while c + 16 <= end {
            let chunk = raw.loadUnaligned(fromByteOffset: c * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
            if any(chunk .>= limit) {
                for k in c..<(c + 16) where row[k] >= threshold { hit(k) }
            }
            c += 16
        }
        while c < end {
            if row[c] >= threshold { hit(c) }
            c += 1
        }
    }
}
