import SiameseNet

/// Calibrates a model's dedup threshold and clustering rule: the threshold of best pairwise F1 when the
/// distinct questions of labelled pairs are clustered by each rule and scored against their true clusters.
///
/// The pair threshold, calibrated for accuracy on balanced pairs, is far too low for deduplication, where
/// true duplicates are a tiny fraction of all pairs of questions; this one is chosen on all pairs. Which rule
/// wins depends on the model (docs/design.md, "Deduplication"), so it is chosen with the threshold.
package enum DedupCalibration {
    /// How much higher another rule's pair F1 must be for the calibration to choose it over
    /// `ClusteringRule.standard` (average link), which degrades gracefully when a threshold calibrated on other
    /// questions is off, where single link chains unrelated questions together (measured on Quora dev).
    package static let ruleMargin = 0.01
    /// The rules compared: community detection is left out, as it never came near the others on Quora (it loses
    /// recall: a question joins only the first proposal that claims it) and is by far the slowest to sweep.
    package static let comparedRules: [ClusteringRule] = [.singleLink, .averageLink]
    /// The fewest true same-cluster pairs worth calibrating on.
    static let minimumTruePairs = 20
    /// The most candidate pairs held at once (about 80 MiB).
    package static let pairLimit = 5_000_000
    /// The keyword weights tried with single link (`Deduplication.keywordWeight`; 0: the cosine alone).
    package static let keywordWeights: [Float] = [0, 0.1, 0.2, 0.3, 0.4, 0.5]
    /// How far below the lowest threshold the pairs are scanned when memory allows, so that a keyword weight
    /// can be scored at the thresholds it needs: weight w covers thresholds ≥ 0.40 + 0.60 · w.
    static let keywordScanMargin: Float = 0.1

    /// The calibrated threshold and rule, or nil when the pairs' questions have fewer than `minimumTruePairs`
    /// true same-cluster pairs.
    /// - Parameters:
    ///   - pairs: labelled pairs (validation pairs, else the training rows: optimistic).
    ///   - kind: which pairs they are, recorded: "dev", "held-out" or "training".
    ///   - rule: calibrate this rule only; nil compares `comparedRules` and keeps the best (by `ruleMargin`).
    ///   - workers: batches encoded in parallel.
    ///   - pairLimit: the most candidate pairs held at once; when more reach 0.50, the grid starts at 0.60, then
    ///     0.70, …; nil when even the last threshold has too many.
    ///   - vocabularyTexts: the number of question texts the model's vocabulary counts were taken over (2 per
    ///     training row): the keyword term's word weights (`KeywordReference`). Nil calibrates cosines only.
    /// - Complexity: one encoder pass over the questions, one pair scan, one clustering per threshold and keyword
    ///   weight tried.
    package static func calibrate(model: SiameseModel, pairs: [QuestionPair], kind: String,
                                 rule: ClusteringRule? = nil, workers: Int = 1,
                                 pairLimit: Int = DedupCalibration.pairLimit,
                                 vocabularyTexts: Int? = nil) throws -> DedupThreshold? {
        let truth = DuplicateGroundTruth(pairs: pairs)
        guard truth.pairCount >= minimumTruePairs else { return nil }
        let vectors = try model.encode(truth.questions, batchSize: 256, workers: max(1, workers))
        let matrix = EmbeddingMatrix(dimension: model.dimension,
                                     ids: truth.questions.indices.map { Int64($0 + 1) }, vectors: vectors)
        let reference = vocabularyTexts.map { KeywordReference(vocabulary: model.vocabulary, textCount: $0) }
        var record = calibrate(matrix: matrix, truth: truth, kind: kind, rule: rule, keywordReference: reference,
                               pairLimit: pairLimit)
        record?.vocabularyTexts = vocabularyTexts
        return record
    }

    /// `calibrate(model:pairs:…)` on the questions' vectors: row i of `matrix` is question i of `truth`.
    /// - Parameter keywordReference: the keyword term's word weights; nil calibrates cosines only.
    static func calibrate(matrix: EmbeddingMatrix, truth: DuplicateGroundTruth, kind: String, rule: ClusteringRule?,
                          keywordReference reference: KeywordReference?, pairLimit: Int) -> DedupThreshold? {
        guard truth.pairCount >= minimumTruePairs else { return nil }
        // A weak model on many questions can have tens of millions of pairs at 0.50: then the grid starts
        // higher (0.60, 0.70, …) so that memory stays bounded.
        var thresholds = DedupSweep.standardThresholds
        var sweep = reference == nil ? nil
            : DedupSweep(matrix: matrix, truth: truth, lowestThreshold: thresholds[0] - keywordScanMargin,
                         pairLimit: pairLimit, keywordReference: reference)
        while sweep == nil, let lowest = thresholds.first {
            sweep = DedupSweep(matrix: matrix, truth: truth, lowestThreshold: lowest, pairLimit: pairLimit,
                               keywordReference: reference)
            if sweep != nil { break }
            thresholds = thresholds.filter { $0 >= lowest + 0.095 }
        }
        guard let sweep else { return nil }
        let candidates = (rule.map { [$0] } ?? comparedRules).compactMap { rule -> (ClusteringRule, DedupSweep.Point, Float)? in
            var best: (DedupSweep.Point, Float)?
            for weight in rule == .averageLink || reference == nil ? [0] : keywordWeights {
                guard let point = DedupSweep.best(sweep.scores(rule: rule, thresholds: thresholds, keywordWeight: weight))
                else { continue }
                // Ties keep the smaller weight: the keyword term must earn its place.
                if best.map({ point.agreement.pairF1 > $0.0.agreement.pairF1 }) ?? true { best = (point, weight) }
            }
            return best.map { (rule, $0.0, $0.1) }
        }
        let f1 = Dictionary(uniqueKeysWithValues: candidates.map { ($0.0, $0.1.agreement.pairF1) })
        guard let chosenRule = chosenRule(f1: f1), let (_, chosen, weight) = candidates.first(where: { $0.0 == chosenRule })
        else { return nil }
        let a = chosen.agreement
        var record = DedupThreshold(threshold: chosen.threshold, rule: chosenRule.rawValue, pairs: kind,
                                    questions: truth.questions.count, precision: a.pairPrecision, recall: a.pairRecall,
                                    f1: a.pairF1, largestCluster: a.largestCluster,
                                    largestTrueCluster: truth.largestCluster)
        record.keywordWeight = weight > 0 ? weight : nil
        if rule == nil {
            record.rules = candidates.map {
                RuleThreshold(rule: $0.0.rawValue, threshold: $0.1.threshold, f1: $0.1.agreement.pairF1,
                              largestCluster: $0.1.agreement.largestCluster, keywordWeight: $0.2 > 0 ? $0.2 : nil)
            }
        }
        return record
    }

    /// The rule of highest pair F1 (ties: the first in `ClusteringRule.allCases`), except that
    /// `ClusteringRule.standard` stays unless another beats it by more than `ruleMargin`.
    static func chosenRule(f1: [ClusteringRule: Double]) -> ClusteringRule? {
        var best: ClusteringRule?
        for rule in ClusteringRule.allCases {
            guard let value = f1[rule] else { continue }
            if best.flatMap({ f1[$0] }).map({ value > $0 }) ?? true { best = rule }
        }
        if let best, let standard = f1[.standard], let top = f1[best], top - standard <= ruleMargin {
            return .standard
        }
        return best
    }
}
