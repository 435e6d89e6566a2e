/// Finds the groups of duplicate questions among the vectors of one model: every pair scoring at least
/// `threshold` (`DuplicatePairFinder`, the blocked upper-triangle scan), then clusters of those pairs by
/// `rule`, each with a representative, its members' similarities and its lowest internal similarity.
///
/// A pair's dedup score is its cosine, or with a keyword weight w > 0, (1 − w) · cosine + w · the cosine of the
/// two questions' TF-IDF word vectors (`KeywordVectors`, words weighted by the model's training counts): words
/// the encoder reads poorly still count. Cluster summaries (representative, similarities) are cosines either way.
public struct Deduplication: Sendable {
    /// Pairs and clusters are formed from dedup scores at or above this.
    public let threshold: Float
    /// The keyword term's weight w in the dedup score, in [0, 0.9]; 0 for average link, which merges by mean
    /// cosines computed from vector sums.
    public let keywordWeight: Float
    /// How pairs are grouped into clusters.
    public let rule: ClusteringRule
    /// Clusters with fewer members are not reported (at least 2).
    public let minimumSize: Int
    /// Row-block height of the pair scan.
    public let blockRows: Int
    /// Threads of the pair scan.
    public let workers: Int

    /// - Parameters: `threshold` in [-1, 1]; `keywordWeight` in [0, 0.9], 0 for average link; `minimumSize` ≥ 2;
    ///   `blockRows` ≥ 1; `workers` ≥ 1.
    public init(threshold: Float, rule: ClusteringRule = .standard, keywordWeight: Float = 0, minimumSize: Int = 2,
                blockRows: Int = 1024, workers: Int = 1) {
        precondition(threshold >= -1 && threshold <= 1, "the threshold must be a cosine, not \(threshold)")
        precondition(keywordWeight >= 0 && keywordWeight <= KeywordWeighting.maximumWeight,
                     "the keyword weight must be in [0, 0.9], not \(keywordWeight)")
        precondition(keywordWeight == 0 || rule != .averageLink, "average link merges by cosines only")
        precondition(minimumSize >= 2, "a cluster has at least two members")
        self.threshold = threshold
        self.keywordWeight = keywordWeight
        self.rule = rule
        self.minimumSize = minimumSize
        self.blockRows = blockRows
        self.workers = max(1, workers)
    }

    /// What a run found.
    public struct Result: Sendable, Equatable {
        /// Every pair ≥ threshold, score descending (then ids).
        public var pairs: [ScoredPair]
        /// Clusters of at least `minimumSize`, largest first (then tighter, then by representative id).
        public var clusters: [DuplicateCluster]
        /// The number of questions scanned.
        public var questionCount: Int
    }

    /// The pairs of dedup score ≥ threshold of `matrix`, score descending (then ids); see
    /// `DuplicatePairFinder.pairs(in:progress:)`.
    /// - Parameter keywords: the questions' keyword vectors, one per row of `matrix`; required when
    ///   `keywordWeight` > 0, ignored otherwise.
    public func pairs(in matrix: EmbeddingMatrix, keywords: KeywordVectors? = nil,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair] {
        scoredPairs(in: matrix, keywords: keywords, limit: .max, progress: progress)!
    }

    /// Scans `matrix` for pairs and clusters them.
    /// - Parameter keywords: as for `pairs(in:keywords:progress:)`.
    public func run(_ matrix: EmbeddingMatrix, keywords: KeywordVectors? = nil,
                    progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> Result {
        let found = pairs(in: matrix, keywords: keywords, progress: progress)
        return Result(pairs: found, clusters: clusters(of: found, in: matrix), questionCount: matrix.count)
    }

    /// The pairs of dedup score ≥ threshold, score descending (then ids), or nil when more than `limit` of them
    /// are found. With a keyword weight the scan goes down to the cosine bound
    /// (`KeywordWeighting.cosineBound(for:)`) and scores each pair it finds there as it goes, keeping only those
    /// ≥ threshold: memory holds the pairs reported, not every pair above the bound.
    /// - Parameter keywords: one vector per row of `matrix`; required when `keywordWeight` > 0.
    package func scoredPairs(in matrix: EmbeddingMatrix, keywords: KeywordVectors?, limit: Int,
                             progress: ((Int, Int) -> Void)? = nil) -> [ScoredPair]? {
        let weighting = KeywordWeighting(weight: keywordWeight)
        var finder = DuplicatePairFinder(threshold: weighting.cosineBound(for: threshold), blockRows: blockRows,
                                         workers: workers)
        if keywordWeight > 0 {
            guard let keywords, keywords.count == matrix.count else {
                preconditionFailure("a keyword weight needs one keyword vector per row of the matrix")
            }
            let threshold = self.threshold
            finder.rescore = { row1, row2, cosine in
                let score = weighting.score(cosine: cosine, keyword: keywords.similarity(row1, row2))
                return score >= threshold ? score : nil
            }
        }
        return finder.pairs(in: matrix, limit: limit, progress: progress)
    }

    /// The clusters of `pairs`, which must be every pair of `matrix` at or above `threshold` (as `pairs(in:)`
    /// returns them; pairs below the threshold are ignored).
    public func clusters(of pairs: [ScoredPair], in matrix: EmbeddingMatrix) -> [DuplicateCluster] {
        rowClusters(of: pairs, in: matrix)
            .filter { $0.count >= minimumSize }
            .map { DuplicateCluster(rows: $0, of: matrix) }
            .sorted(by: DuplicateCluster.precedes)
    }

    /// The clusters of `pairs` as sorted matrix rows, before sizes are filtered and summaries computed (the
    /// evaluation scores these directly).
    func rowClusters(of pairs: [ScoredPair], in matrix: EmbeddingMatrix) -> [[Int]] {
        let rowPairs = PairClustering.rowPairs(pairs, in: matrix, atLeast: threshold)
        return PairClustering(matrix: matrix, threshold: threshold, pairs: rowPairs).clusters(rule: rule)
    }
}
