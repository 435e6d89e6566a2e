/// How keyword (BM25) and embedding rankings are combined into one: the hybrid retrieval of `siamese eval
/// --hybrid` and `siamese query --hybrid`. Both sides contribute their top `candidates`; the fused list is
/// drawn from the union.
public enum Fusion: Sendable, Equatable {
    /// Reciprocal-rank fusion (Cormack et al. 2009): a candidate scores Σ 1 / (k + rank) over the lists it
    /// appears in (rank from 1). Needs no score calibration and no tuning; k = 60 is the paper's value.
    case reciprocalRank(k: Double)
    /// cosine + weight · bm25 / max bm25 of the query's keyword candidates (0 for a candidate the keyword
    /// side did not return). The weight must be tuned on held-out data.
    case convex(weight: Double)

    /// RRF with k = 60, the paper's value.
    public static let reciprocalRank = Fusion.reciprocalRank(k: 60)
    /// The fusion of `siamese eval --hybrid` and `siamese query --hybrid`: cosine + 1 · bm25 / max bm25.
    /// Measured on Quora dev (docs/design.md): MRR@10 0.813 against 0.795 for RRF and 0.802 for BM25 alone.
    public static let standard = Fusion.convex(weight: 1)
    /// Candidates taken from each side.
    package static let candidates = 100

    /// A candidate of one side: an id and its score on that side (cosine, or BM25 with higher = better).
    typealias Scored = (id: Int64, score: Double)

    /// The fused ranking of two candidate lists, best first, ties broken by smaller id.
    /// - Parameters:
    ///   - embedding: the embedding side's candidates, best first, with their cosines.
    ///   - keyword: the keyword side's candidates, best first, with BM25 scores where higher is better
    ///     (the negation of FTS5's `bm25()`).
    ///   - cosine: the cosine of any candidate (convex fusion needs it for keyword-only candidates).
    /// - Returns: every candidate of the union with its fused score.
    func fuse(embedding: [Scored], keyword: [Scored], cosine: (Int64) -> Double) -> [Scored] {
        var fused: [Int64: Double] = [:]
        switch self {
        case .reciprocalRank(let k):
            for list in [embedding, keyword] {
                for (position, candidate) in list.enumerated() {
                    fused[candidate.id, default: 0] += 1 / (k + Double(position + 1))
                }
            }
        case .convex(let weight):
            let best = keyword.map(\.score).max() ?? 0
            for candidate in embedding { fused[candidate.id] = candidate.score }
            for candidate in keyword {
                let normalized = best > 0 ? candidate.score / best : 0
                fused[candidate.id] = (fused[candidate.id] ?? cosine(candidate.id)) + weight * normalized
            }
        }
        return fused.map { (id: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }
}
