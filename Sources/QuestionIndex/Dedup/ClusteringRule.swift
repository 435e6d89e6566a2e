/// How the pairs of questions at or above a dedup threshold are grouped into clusters.
///
/// Measured on Quora dev (docs/design.md, "Deduplication"): the rules differ in how far a chain of close pairs
/// can pull unrelated questions together.
public enum ClusteringRule: String, Sendable, CaseIterable, Codable {
    /// Connected components of the pair graph: one pair ≥ threshold links two clusters (single link).
    case singleLink = "single-link"
    /// Leader clustering as sentence-transformers' `community_detection`: every question with a neighbour
    /// proposes itself and its neighbours ≥ threshold; the largest proposals are taken first, each keeping only
    /// questions not taken yet, and kept while at least two remain.
    case community
    /// Average-link agglomeration (UPGMA) cut at the threshold: two clusters merge while the mean similarity
    /// over all their cross pairs is at least the threshold.
    case averageLink = "average-link"

    /// The rule `siamese dedup` uses unless told otherwise: the best on Quora dev (docs/design.md).
    public static let standard = ClusteringRule.averageLink
}
