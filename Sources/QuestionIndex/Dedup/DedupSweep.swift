/// Scores a clustering rule at many thresholds against true clusters, with one pair scan: the measurement
/// behind the default rule and the calibration of a model's dedup threshold.
package struct DedupSweep: Sendable {
    /// The thresholds tried when calibrating: 0.50, 0.51, …, 0.99.
    package static let standardThresholds: [Float] = (50...99).map { Float($0) / 100 }

    /// One threshold's outcome.
    package struct Point: Sendable, Equatable {
        package var threshold: Float
        package var agreement: ClusterAgreement
    }

    /// The vectors of the questions, one row per question of `truth`, in its order.
    package let matrix: EmbeddingMatrix
    package let truth: DuplicateGroundTruth
    /// Every pair ≥ the lowest threshold to try, score descending.
    private let pairs: [ScoredPair]

    /// Scans `matrix` once for the pairs ≥ `lowestThreshold`.
    /// - Parameter matrix: row i is question i of `truth`.
    package init(matrix: EmbeddingMatrix, truth: DuplicateGroundTruth, lowestThreshold: Float,
                progress: ((Int, Int) -> Void)? = nil) {
        self.init(matrix: matrix, truth: truth, lowestThreshold: lowestThreshold, pairLimit: .max, progress: progress)!
    }

    /// Scans `matrix` once for the pairs ≥ `lowestThreshold`; nil when more than `pairLimit` reach it.
    package init?(matrix: EmbeddingMatrix, truth: DuplicateGroundTruth, lowestThreshold: Float, pairLimit: Int,
                 progress: ((Int, Int) -> Void)? = nil) {
        precondition(matrix.count == truth.labels.count, "one vector per question of the truth")
        self.matrix = matrix
        self.truth = truth
        guard let found = DuplicatePairFinder(threshold: lowestThreshold)
            .pairs(in: matrix, limit: pairLimit, progress: progress) else { return nil }
        pairs = found
    }

    /// The agreement of `rule` with the truth at each of `thresholds` (each at least the lowest threshold).
    package func scores(rule: ClusteringRule, thresholds: [Float]) -> [Point] {
        if rule == .averageLink, let lowest = thresholds.min() {
            // One agglomeration at the lowest threshold; each higher cut is a prefix of its merges.
            let rowPairs = PairClustering.rowPairs(pairs, in: matrix, atLeast: lowest)
            let merges = PairClustering(matrix: matrix, threshold: lowest, pairs: rowPairs).averageLinkMerges()
            return thresholds.map { threshold in
                var sets = RowUnionFind(count: matrix.count)
                for merge in merges where merge.score >= threshold { sets.join(merge.a, merge.b) }
                let labels = ClusterAgreement.labels(clusters: sets.groups(), count: matrix.count)
                return Point(threshold: threshold, agreement: ClusterAgreement(predicted: labels, truth: truth.labels))
            }
        }
        if rule == .singleLink, let lowest = thresholds.min() {
            // Pairs come score descending: walking the thresholds from the highest down, each one's components
            // are the previous ones joined by the pairs between the two thresholds (one pass over the pairs).
            let rowPairs = PairClustering.rowPairs(pairs, in: matrix, atLeast: lowest)
            var sets = RowUnionFind(count: matrix.count)
            var next = 0
            var points: [Float: Point] = [:]
            for threshold in thresholds.sorted(by: >) {
                while next < rowPairs.count && rowPairs[next].score >= threshold {
                    sets.join(rowPairs[next].a, rowPairs[next].b)
                    next += 1
                }
                let labels = ClusterAgreement.labels(clusters: sets.groups(), count: matrix.count)
                points[threshold] = Point(threshold: threshold, agreement: ClusterAgreement(predicted: labels, truth: truth.labels))
            }
            return thresholds.compactMap { points[$0] }
        }
        return thresholds.map { threshold in
            // Pairs are sorted by score descending: those ≥ threshold are a prefix.
            var low = 0, high = pairs.count
            while low < high {
                let middle = (low + high) / 2
                if pairs[middle].score >= threshold { low = middle + 1 } else { high = middle }
            }
            let end = low
            let dedup = Deduplication(threshold: threshold, rule: rule)
            let clusters = dedup.rowClusters(of: Array(pairs[..<end]), in: matrix)
            let labels = ClusterAgreement.labels(clusters: clusters, count: matrix.count)
            return Point(threshold: threshold, agreement: ClusterAgreement(predicted: labels, truth: truth.labels))
        }
    }

    /// The point of best pairwise F1 (ties: the higher threshold), nil for no thresholds.
    package static func best(_ points: [Point]) -> Point? {
        points.max { a, b in
            a.agreement.pairF1 != b.agreement.pairF1 ? a.agreement.pairF1 < b.agreement.pairF1 : a.threshold < b.threshold
        }
    }
}
