/// Two stored questions whose embeddings are close: the smaller question id first, and their cosine similarity.
public struct ScoredPair: Sendable, Equatable, Hashable {
    /// The smaller of the two question ids.
    public let id1: Int64
    /// The larger of the two question ids.
    public let id2: Int64
    /// Cosine similarity in [-1, 1] (both vectors are unit vectors); from `Deduplication` with a keyword
    /// weight, the dedup score (cosine and keyword cosine weighted).
    public let score: Float

    /// A pair of two different questions; `id1` must be smaller than `id2`.
    public init(id1: Int64, id2: Int64, score: Float) {
        precondition(id1 < id2, "a pair lists the smaller id first: \(id1), \(id2)")
        self.id1 = id1
        self.id2 = id2
        self.score = score
    }

    /// The order pairs are reported in: score descending, then `id1`, then `id2`.
    static func precedes(_ a: ScoredPair, _ b: ScoredPair) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.id1 != b.id1 { return a.id1 < b.id1 }
        return a.id2 < b.id2
    }
}
