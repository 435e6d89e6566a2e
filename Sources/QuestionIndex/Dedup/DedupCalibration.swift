import SiameseNet

/// Calibrates a model's dedup threshold: the threshold of best pairwise F1 when the distinct questions of
/// labelled pairs are clustered (`ClusteringRule.standard`) and scored against their true clusters.
///
/// The pair threshold, calibrated for accuracy on balanced pairs, is far too low for deduplication, where
/// true duplicates are a tiny fraction of all pairs of questions; this one is chosen on all pairs.
package enum DedupCalibration {
    /// The fewest true same-cluster pairs worth calibrating on.
    static let minimumTruePairs = 20
    /// The most candidate pairs held at once (about 80 MiB).
    package static let pairLimit = 5_000_000

    /// The calibrated threshold, or nil when the pairs' questions have fewer than `minimumTruePairs` true
    /// same-cluster pairs.
    /// - Parameters:
    ///   - pairs: labelled pairs (validation pairs, else the training rows: optimistic).
    ///   - kind: which pairs they are, recorded: "dev", "held-out" or "training".
    ///   - workers: batches encoded in parallel.
    /// - Complexity: one encoder pass over the questions, one pair scan, one clustering per threshold tried.
    ///   - pairLimit: the most candidate pairs held at once; when more reach 0.50, the grid starts at 0.60, then
    ///     0.70, …; nil when even the last threshold has too many.
    package static func calibrate(model: SiameseModel, pairs: [QuestionPair], kind: String,
                                 rule: ClusteringRule = .standard, workers: Int = 1,
                                 pairLimit: Int = DedupCalibration.pairLimit) throws -> DedupThreshold? {
        let truth = DuplicateGroundTruth(pairs: pairs)
        guard truth.pairCount >= minimumTruePairs else { return nil }
        let vectors = try model.encode(truth.questions, batchSize: 256, workers: max(1, workers))
        let matrix = EmbeddingMatrix(dimension: model.dimension,
                                     ids: truth.questions.indices.map { Int64($0 + 1) }, vectors: vectors)
        // A weak model on many questions can have tens of millions of pairs at 0.50: then the grid starts
        // higher (0.60, 0.70, …) so that memory stays bounded.
        var thresholds = DedupSweep.standardThresholds
        var sweep: DedupSweep?
        while let lowest = thresholds.first {
            sweep = DedupSweep(matrix: matrix, truth: truth, lowestThreshold: lowest, pairLimit: pairLimit)
            if sweep != nil { break }
            thresholds = thresholds.filter { $0 >= lowest + 0.095 }
        }
        guard let sweep, let best = DedupSweep.best(sweep.scores(rule: rule, thresholds: thresholds)) else { return nil }
        let a = best.agreement
        return DedupThreshold(threshold: best.threshold, rule: rule.rawValue, pairs: kind,
                              questions: truth.questions.count, precision: a.pairPrecision, recall: a.pairRecall,
                              f1: a.pairF1, largestCluster: a.largestCluster, largestTrueCluster: truth.largestCluster)
    }
}
