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
        case selectionValue = "selection_value"
    }
}
