/// How a stored model's duplicate threshold was chosen and which training epoch was kept: stored with the
/// model (column `model.calibration`) and shown by `siamese info`.
public struct ModelCalibration: Codable, Sendable, Equatable {
    /// The rule that picked the threshold: "best accuracy" (the cut that classifies the most labelled pairs right).
    public var rule: String
    /// Which pairs the threshold was calibrated on: "dev" (a `--dev` file), "held-out" (a question-disjoint
    /// slice of the training file), or "training" (the training file's own rows: optimistic).
    public var pairs: String
    /// Where those pairs came from, for people: "dev.tsv", "10% of train.tsv (seed 1)".
    public var source: String
    /// How many labelled pairs were scored.
    public var pairCount: Int
    /// Accuracy of the threshold on those pairs.
    public var accuracy: Double?
    /// The epoch whose weights were kept.
    public var keptEpoch: Int
    /// The validation metric that picked `keptEpoch` ("ROC-AUC"), nil when the last epoch was kept for lack of
    /// validation pairs.
    public var selectedBy: String?
    /// Its value at `keptEpoch`.
    public var selectionValue: Double?
    /// The threshold `siamese dedup` uses, calibrated for all-pairs clustering; nil for a model trained before
    /// it was (or without questions to calibrate it on). Absent from older records, which still decode.
    public var dedup: DedupThreshold? = nil

    /// The dedup threshold, if calibrated.
    public var dedupThreshold: Float? { dedup?.threshold }

    /// A calibration record; `dedup` starts nil and is set when the dedup threshold is calibrated.
    public init(rule: String = "best accuracy", pairs: String, source: String, pairCount: Int, accuracy: Double?,
                keptEpoch: Int, selectedBy: String?, selectionValue: Double?) {
        self.rule = rule
        self.pairs = pairs
        self.source = source
        self.pairCount = pairCount
        self.accuracy = accuracy
        self.keptEpoch = keptEpoch
        self.selectedBy = selectedBy
        self.selectionValue = selectionValue
    }

    enum CodingKeys: String, CodingKey {
        case rule, pairs, source, accuracy
        case pairCount = "pair_count", keptEpoch = "kept_epoch", selectedBy = "selected_by"
        case selectionValue = "selection_value", dedup
    }
}

/// How a model's dedup threshold was calibrated: the threshold of best pairwise F1 of the clusters of a set of
/// labelled questions against their true clusters (connected components of their duplicate pairs), over
/// `DedupSweep.standardThresholds`, and the clustering rule chosen with it.
public struct DedupThreshold: Codable, Sendable, Equatable {
    /// The dedup threshold (cosine) chosen.
    public var threshold: Float
    /// The clustering rule it was calibrated with (`ClusteringRule.rawValue`): the rule `siamese dedup` uses
    /// unless told otherwise.
    public var rule: String
    /// Every rule compared (`DedupCalibration.comparedRules`), each at its own best threshold; nil in records
    /// written before the rule was calibrated (they calibrated `rule` alone).
    public var rules: [RuleThreshold]? = nil
    /// The keyword term's weight in the dedup score calibrated with `rule` (`Deduplication.keywordWeight`);
    /// nil in records written before keyword weights were calibrated, and for weight 0.
    public var keywordWeight: Float? = nil
    /// The number of question texts the model's vocabulary counts were taken over (2 per training row): with those
    /// counts, the word weights of the keyword term (`KeywordReference`). Nil in records written before keyword
    /// weights, whose models dedup by cosine only.
    public var vocabularyTexts: Int? = nil
    /// Which pairs' questions: "dev", "held-out" or "training", as `ModelCalibration.pairs`.
    public var pairs: String
    /// The number of distinct questions clustered.
    public var questions: Int
    /// Pairwise precision, recall and F1 there, and the largest cluster against the largest true one.
    public var precision: Double
    /// Pairwise recall of the clusters at `threshold`.
    public var recall: Double
    /// Pairwise F1 of the clusters at `threshold`: what the threshold maximizes.
    public var f1: Double
    /// The largest cluster found at `threshold`.
    public var largestCluster: Int
    /// The largest true cluster of the labelled questions.
    public var largestTrueCluster: Int

    /// A dedup calibration record with the given values.
    public init(threshold: Float, rule: String, pairs: String, questions: Int, precision: Double, recall: Double,
                f1: Double, largestCluster: Int, largestTrueCluster: Int) {
        self.threshold = threshold
        self.rule = rule
        self.pairs = pairs
        self.questions = questions
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.largestCluster = largestCluster
        self.largestTrueCluster = largestTrueCluster
    }

    /// Every threshold of the record: its own, then each compared rule's.
    var allThresholds: [Float] { [threshold] + (rules ?? []).map(\.threshold) }

    /// What makes a record read back from a database unusable, nil when nothing does: a threshold that is not a
    /// cosine, or a clustering rule this build does not know.
    var problem: String? {
        if let bad = allThresholds.first(where: { !($0 >= -1 && $0 <= 1) }) {
            return "its dedup threshold \(bad) is not a cosine in [-1, 1]"
        }
        if let bad = ([rule] + (rules ?? []).map(\.rule)).first(where: { ClusteringRule(rawValue: $0) == nil }) {
            return "its dedup calibration names the clustering rule \"\(bad)\", which this build does not know"
        }
        let weights = [(rule, keywordWeight)] + (rules ?? []).map { ($0.rule, $0.keywordWeight) }
        for case let (rule, weight?) in weights
        where !(weight >= 0 && weight <= KeywordWeighting.maximumWeight) || (weight > 0 && rule == ClusteringRule.averageLink.rawValue) {
            return "its dedup keyword weight \(weight) (\(rule)) is not in [0, 0.9], or not 0 for average link"
        }
        if let texts = vocabularyTexts, texts < 1 {
            return "its dedup calibration counts \(texts) vocabulary texts (at least 1)"
        }
        if vocabularyTexts == nil, weights.contains(where: { ($0.1 ?? 0) > 0 }) {
            return "its dedup calibration has a keyword weight but no vocabulary text count"
        }
        return nil
    }

    /// The calibrated threshold of `rule`: this record's own for its rule, else the rule's entry of `rules`.
    public func threshold(for rule: ClusteringRule) -> Float? {
        rule.rawValue == self.rule ? threshold : rules?.first { $0.rule == rule.rawValue }?.threshold
    }

    /// The calibrated keyword weight of `rule`: this record's own for its rule, else the rule's entry of `rules`;
    /// 0 when none is recorded.
    public func keywordWeight(for rule: ClusteringRule) -> Float {
        (rule.rawValue == self.rule ? keywordWeight : rules?.first { $0.rule == rule.rawValue }?.keywordWeight) ?? 0
    }

    enum CodingKeys: String, CodingKey {
        case threshold, rule, rules, pairs, questions, precision, recall, f1
        case keywordWeight = "keyword_weight", vocabularyTexts = "vocabulary_texts"
        case largestCluster = "largest_cluster", largestTrueCluster = "largest_true_cluster"
    }
}

/// One clustering rule's best threshold and pair F1 in a dedup calibration.
public struct RuleThreshold: Codable, Sendable, Equatable {
    /// `ClusteringRule.rawValue`.
    public var rule: String
    /// The threshold of best pair F1 under this rule.
    public var threshold: Float
    /// That pair F1.
    public var f1: Double
    /// The largest cluster there.
    public var largestCluster: Int
    /// The keyword weight calibrated with this rule; nil for 0 (and in older records).
    public var keywordWeight: Float? = nil

    /// A rule's calibration result.
    public init(rule: String, threshold: Float, f1: Double, largestCluster: Int, keywordWeight: Float? = nil) {
        self.rule = rule
        self.threshold = threshold
        self.f1 = f1
        self.largestCluster = largestCluster
        self.keywordWeight = keywordWeight
    }

    enum CodingKeys: String, CodingKey {
        case rule, threshold, f1
        case keywordWeight = "keyword_weight"
        case largestCluster = "largest_cluster"
    }
}
