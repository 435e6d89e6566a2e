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
    /// The cosine the pairs were scanned down to.
    package let lowestCosine: Float
    /// Every pair of cosine ≥ `lowestCosine`, as matrix rows, score descending.
    private let rowPairs: [PairClustering.RowPair]
    /// The keyword cosine of each of `rowPairs`; nil without word weights (no keyword term can be scored).
    private let keywordScores: [Float]?

    /// Scans `matrix` once for the pairs ≥ `lowestThreshold`.
    /// - Parameter matrix: row i is question i of `truth`.
    package init(matrix: EmbeddingMatrix, truth: DuplicateGroundTruth, lowestThreshold: Float,
                keywordReference: KeywordReference? = nil, progress: ((Int, Int) -> Void)? = nil) {
        self.init(matrix: matrix, truth: truth, lowestThreshold: lowestThreshold, pairLimit: .max,
                  keywordReference: keywordReference, progress: progress)!
    }

    /// Scans `matrix` once for the pairs ≥ `lowestThreshold`; nil when more than `pairLimit` reach it.
    /// - Parameter keywordReference: the word weights of keyword terms; nil scores cosines only.
    package init?(matrix: EmbeddingMatrix, truth: DuplicateGroundTruth, lowestThreshold: Float, pairLimit: Int,
                 keywordReference: KeywordReference? = nil, progress: ((Int, Int) -> Void)? = nil) {
        precondition(matrix.count == truth.labels.count, "one vector per question of the truth")
        self.matrix = matrix
        self.truth = truth
        guard let found = DuplicatePairFinder(threshold: lowestThreshold)
            .pairs(in: matrix, limit: pairLimit, progress: progress) else { return nil }
        lowestCosine = lowestThreshold
        let rowPairs = PairClustering.rowPairs(found, in: matrix, atLeast: lowestThreshold)
        self.rowPairs = rowPairs
        // Each pair's keyword cosine once, for every weight tried.
        keywordScores = keywordReference.map { reference in
            let keywords = KeywordVectors(normalized: truth.normalized, reference: reference)
            return rowPairs.map { keywords.similarity($0.a, $0.b) }
        }
    }

    /// The thresholds of `thresholds` whose every pair this sweep holds under keyword weight `weight`: those
    /// whose cosine bound is at least the lowest cosine scanned.
    package func coveredThresholds(_ thresholds: [Float], keywordWeight weight: Float) -> [Float] {
        let weighting = KeywordWeighting(weight: weight)
        return thresholds.filter { weighting.cosineBound(for: $0) >= lowestCosine }
    }

    /// The agreement of `rule` with the truth at each of `thresholds` (each at least the lowest threshold).
    /// With a keyword weight (single link and community only), pairs are scored as `Deduplication` scores them,
    /// and only the thresholds of `coveredThresholds` are scored.
    package func scores(rule: ClusteringRule, thresholds: [Float], keywordWeight: Float = 0) -> [Point] {
        if keywordWeight > 0 {
            precondition(rule != .averageLink, "average link merges by cosines only")
            guard let keywordScores else { preconditionFailure("a keyword weight needs the sweep's keyword reference") }
            let covered = coveredThresholds(thresholds, keywordWeight: keywordWeight)
            guard let lowest = covered.min() else { return [] }
            let weighting = KeywordWeighting(weight: keywordWeight)
            var scored: [PairClustering.RowPair] = []
            for (pair, keyword) in zip(rowPairs, keywordScores) {
                let score = weighting.score(cosine: pair.score, keyword: keyword)
                if score >= lowest { scored.append(PairClustering.RowPair(a: pair.a, b: pair.b, score: score)) }
            }
            scored.sort { $0.score > $1.score }
            return rule == .singleLink ? singleLinkPoints(scored, thresholds: covered)
                : clusteredPoints(scored, rule: rule, thresholds: covered)
        }
        if rule == .averageLink, let lowest = thresholds.min() {
            // One agglomeration at the lowest threshold; each higher cut is a prefix of its merges.
            let merges = PairClustering(matrix: matrix, threshold: lowest, pairs: rowPairs.filter { $0.score >= lowest })
                .averageLinkMerges()
            return thresholds.map { threshold in
                var sets = RowUnionFind(count: matrix.count)
                for merge in merges where merge.score >= threshold { sets.join(merge.a, merge.b) }
                let labels = ClusterAgreement.labels(clusters: sets.groups(), count: matrix.count)
                return Point(threshold: threshold, agreement: ClusterAgreement(predicted: labels, truth: truth.labels))
            }
        }
        if rule == .singleLink, let lowest = thresholds.min() {
            return singleLinkPoints(rowPairs.filter { $0.score >= lowest }, thresholds: thresholds)
        }
        return clusteredPoints(rowPairs, rule: rule, thresholds: thresholds)
    }

    /// `rule` clustering anew at each of `thresholds` the pairs of `rowPairs` (score descending) at or above it.
    private func clusteredPoints(_ rowPairs: [PairClustering.RowPair], rule: ClusteringRule,
                                 thresholds: [Float]) -> [Point] {
        thresholds.map { threshold in
            // Pairs are sorted by score descending: those ≥ threshold are a prefix.
            var low = 0, high = rowPairs.count
            while low < high {
                let middle = (low + high) / 2
                if rowPairs[middle].score >= threshold { low = middle + 1 } else { high = middle }
            }
            let clusters = PairClustering(matrix: matrix, threshold: threshold, pairs: Array(rowPairs[..<low]))
                .clusters(rule: rule)
            let labels = ClusterAgreement.labels(clusters: clusters, count: matrix.count)
            return Point(threshold: threshold, agreement: ClusterAgreement(predicted: labels, truth: truth.labels))
        }
    }

    /// Single link at each of `thresholds` from `rowPairs`, score descending: walking the thresholds from the
    /// highest down, each one's components are the previous ones joined by the pairs between the two thresholds
    /// (one pass over the pairs).
    private func singleLinkPoints(_ rowPairs: [PairClustering.RowPair], thresholds: [Float]) -> [Point] {
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

    /// The point of best pairwise F1 (ties: the higher threshold), nil for no thresholds.
    package static func best(_ points: [Point]) -> Point? {
        points.max { a, b in
            a.agreement.pairF1 != b.agreement.pairF1 ? a.agreement.pairF1 < b.agreement.pairF1 : a.threshold < b.threshold
        }
    }
}
