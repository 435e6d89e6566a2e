/// Ranking quality of a retrieval run: how well each query's known duplicates are ranked among a corpus.
///
/// Definitions, for a query with relevant set R (its other known duplicates, never itself) and ranked
/// results r₁, r₂, … (the query itself excluded):
/// - recall@k = |R ∩ {r₁ … r_k}| / |R|: the fraction of the query's relevant questions found in its top k,
///   averaged over queries (so a query with 3 duplicates and 2 of them in its top k counts 2/3).
///   recall@1 is the same with k = 1 (at most 1/|R| for a query with several duplicates).
/// - MRR@k = 1 / (rank of the first relevant result) when it is within the top k, else 0, averaged over
///   queries.
public struct RetrievalMetrics: Sendable, Equatable {
    /// Queries averaged over.
    public var queries: Int
    /// The cut-off of `recallAtK` and `mrrAtK`.
    public var k: Int
    /// Mean recall@1 over the queries.
    public var recallAt1: Double
    /// Mean recall@k over the queries.
    public var recallAtK: Double
    /// Mean reciprocal rank of the first relevant result within the top k (0 beyond it).
    public var mrrAtK: Double

    /// Metrics with the given values, as already computed.
    public init(queries: Int, k: Int, recallAt1: Double, recallAtK: Double, mrrAtK: Double) {
        self.queries = queries
        self.k = k
        self.recallAt1 = recallAt1
        self.recallAtK = recallAtK
        self.mrrAtK = mrrAtK
    }

    /// The metrics of ranked result lists against the relevant sets, query by query.
    /// - Parameters:
    ///   - rankings: for each query, document ids best first (at least the top k; more are ignored).
    ///   - relevant: for each query, the ids of its relevant documents (non-empty).
    /// - Complexity: O(Σ min(k, rankingᵢ.count)).
    public init(rankings: [[Int]], relevant: [Set<Int>], k: Int) {
        precondition(rankings.count == relevant.count, "one relevant set per ranking")
        precondition(k >= 1, "k must be positive")
        var recall1 = 0.0, recallK = 0.0, reciprocal = 0.0
        for (ranking, relevant) in zip(rankings, relevant) {
            precondition(!relevant.isEmpty, "a query needs at least one relevant document")
            var found = 0, first: Int?
            for (position, document) in ranking.prefix(k).enumerated() where relevant.contains(document) {
                found += 1
                if first == nil { first = position + 1 }
            }
            let size = Double(relevant.count)
            if let top = ranking.first, relevant.contains(top) { recall1 += 1 / size }
            recallK += Double(found) / size
            if let first { reciprocal += 1 / Double(first) }
        }
        let n = Double(max(1, rankings.count))
        self.init(queries: rankings.count, k: k, recallAt1: recall1 / n, recallAtK: recallK / n,
                  mrrAtK: reciprocal / n)
    }
}
