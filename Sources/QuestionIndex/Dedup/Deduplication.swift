/// Finds the groups of duplicate questions among the vectors of one model: every pair scoring at least
/// `threshold` (`DuplicatePairFinder`, the blocked upper-triangle scan), then clusters of those pairs by
/// `rule`, each with a representative, its members' similarities and its lowest internal similarity.
public struct Deduplication: Sendable {
    /// Pairs and clusters are formed from cosine similarities at or above this.
    public let threshold: Float
    /// How pairs are grouped into clusters.
    public let rule: ClusteringRule
    /// Clusters with fewer members are not reported (at least 2).
    public let minimumSize: Int
    /// Row-block height of the pair scan.
    public let blockRows: Int
    /// Threads of the pair scan.
    public let workers: Int

    /// - Parameters: `threshold` a cosine in [-1, 1]; `minimumSize` ≥ 2; `blockRows` ≥ 1; `workers` ≥ 1.
    public init(threshold: Float, rule: ClusteringRule = .standard, minimumSize: Int = 2, blockRows: Int = 1024,
                workers: Int = 1) {
        precondition(threshold >= -1 && threshold <= 1, "the threshold must be a cosine, not \(threshold)")
        precondition(minimumSize >= 2, "a cluster has at least two members")
        self.threshold = threshold
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

    /// The pairs ≥ threshold of `matrix`; see `DuplicatePairFinder.pairs(in:progress:)`.
    public func pairs(in matrix: EmbeddingMatrix,
                      progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> [ScoredPair] {
        DuplicatePairFinder(threshold: threshold, blockRows: blockRows, workers: workers)
            .pairs(in: matrix, progress: progress)
    }

    /// Scans `matrix` for pairs and clusters them.
    public func run(_ matrix: EmbeddingMatrix,
                    progress: ((_ blocksDone: Int, _ blocksTotal: Int) -> Void)? = nil) -> Result {
        let found = pairs(in: matrix, progress: progress)
        return Result(pairs: found, clusters: clusters(of: found, in: matrix), questionCount: matrix.count)
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
