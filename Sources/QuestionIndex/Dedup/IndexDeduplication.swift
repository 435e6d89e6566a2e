import Foundation

/// Deduplicates the questions of an index under one model: the work of `siamese dedup`. Loads the model and
/// its vectors once; `run` scans for pairs, clusters them and attaches the stored questions.
public struct IndexDeduplication: Sendable {
    /// The index deduplicated.
    public let store: QuestionStore
    /// The model whose vectors are compared.
    public let model: StoredModel
    /// The model's vectors of every embedded question, loaded once by `init`.
    public let matrix: EmbeddingMatrix

    /// - Throws: `IndexError.noModel`/`.modelNotFound`, `SearchError.nothingIndexed` when the model has no vectors.
    public init(store: QuestionStore, modelName: String?) throws {
        self.store = store
        (model, matrix) = try store.loadModelWithVectors(name: modelName)
        guard matrix.count > 0 else { throw SearchError.nothingIndexed(path: store.path, model: model.name) }
    }

    /// The threshold, rule and keyword weight to use: each as given, else the model's calibrated ones (the
    /// rule's own calibrated threshold and weight when `rule` is given; a record from before rules were
    /// calibrated has one threshold, used for any rule; a record from before keyword weights has none: 0),
    /// else average link. Average link always has weight 0.
    /// - Throws: `DedupError.invalidThreshold` for an explicit value outside [-1, 1], `.invalidKeywordWeight`
    ///   for one outside [0, 0.9] or with average link, `.noKeywordReference` for one above 0 with a model
    ///   calibrated before keyword weights, `.noThreshold` when no threshold is given or stored (a model trained
    ///   before dedup thresholds were calibrated, or without enough labelled duplicates).
    public func settings(threshold explicit: Float?, rule explicitRule: ClusteringRule?,
                         keywordWeight explicitWeight: Float? = nil) throws
        -> (threshold: Float, rule: ClusteringRule, keywordWeight: Float) {
        let stored = model.calibration?.dedup
        let rule = explicitRule ?? stored.flatMap { ClusteringRule(rawValue: $0.rule) } ?? .standard
        if let explicitWeight {
            guard explicitWeight >= 0 && explicitWeight <= KeywordWeighting.maximumWeight,
                  explicitWeight == 0 || rule != .averageLink
            else { throw DedupError.invalidKeywordWeight(explicitWeight, rule: rule) }
            guard explicitWeight == 0 || keywordReference != nil
            else { throw DedupError.noKeywordReference(path: store.path, model: model.name) }
        }
        let weight = rule == .averageLink ? 0 : explicitWeight ?? stored?.keywordWeight(for: rule) ?? 0
        if let explicit {
            guard explicit >= -1 && explicit <= 1 else { throw DedupError.invalidThreshold(explicit) }
            return (explicit, rule, weight)
        }
        guard let stored else { throw DedupError.noThreshold(path: store.path, model: model.name) }
        return (stored.threshold(for: rule) ?? stored.threshold, rule, weight)
    }

    /// The word weights of the keyword term: the model's vocabulary counts over the texts its calibration
    /// recorded; nil for a model calibrated before keyword weights.
    public var keywordReference: KeywordReference? {
        model.calibration?.dedup?.vocabularyTexts.map { KeywordReference(vocabulary: model.model.vocabulary, textCount: $0) }
    }

    /// A run's findings with the stored questions they name.
    public struct Report: Sendable {
        /// The model's name.
        public var model: String
        /// The threshold the pairs were found at.
        public var threshold: Float
        /// The keyword term's weight in the pairs' scores (0: cosines).
        public var keywordWeight: Float
        /// The clustering rule used.
        public var rule: ClusteringRule
        /// The pairs and clusters found.
        public var result: Deduplication.Result
        /// The stored questions of every pair and cluster member, by id.
        public var questions: [Int64: StoredQuestion]
    }

    /// Finds every pair ≥ `deduplication.threshold` and, unless `pairsOnly`, their clusters.
    ///
    /// Clusters are of input rows: a member question counts once per row that names it, and a question that
    /// several rows name is a cluster by itself (an exact duplicate, similarity 1) when no pair joins it to
    /// another. `minimumSize` counts rows; clusters come largest first, then tighter, then by representative id.
    /// - Parameter progress: after each block of the pair scan, (blocks done, blocks in all).
    /// - Throws: `DedupError.tooManyPairs` when more than `maxPairs` pairs reach the threshold (it is too low),
    ///   `.noKeywordReference` for a keyword weight with a model calibrated before keyword weights.
    public func run(_ deduplication: Deduplication, pairsOnly: Bool = false, maxPairs: Int = 20_000_000,
                    progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        var keywords: KeywordVectors?
        if deduplication.keywordWeight > 0 {
            guard let keywordReference else { throw DedupError.noKeywordReference(path: store.path, model: model.name) }
            keywords = KeywordVectors(normalized: try store.normalizedTexts(ids: matrix.ids), reference: keywordReference)
        }
        guard let pairs = deduplication.scoredPairs(in: matrix, keywords: keywords, limit: maxPairs, progress: progress)
        else { throw DedupError.tooManyPairs(limit: maxPairs, threshold: deduplication.threshold) }
        var ids = Set<Int64>()
        var clusters: [DuplicateCluster] = []
        if pairsOnly {
            for pair in pairs { ids.insert(pair.id1); ids.insert(pair.id2) }
        } else {
            let all = Deduplication(threshold: deduplication.threshold, rule: deduplication.rule,
                                    keywordWeight: deduplication.keywordWeight, minimumSize: 2,
                                    blockRows: deduplication.blockRows)
            clusters = all.clusters(of: pairs, in: matrix)
            let clustered = Set(clusters.flatMap { $0.members.map(\.questionID) })
            let indexed = Set(matrix.ids)
            clusters += try store.questionIDsNamedBySeveralRows()
                .filter { indexed.contains($0) && !clustered.contains($0) }
                .map(DuplicateCluster.exactDuplicate)
            ids = Set(clusters.flatMap { $0.members.map(\.questionID) })
        }
        let questions = try store.questions(ids: Array(ids))
        if !pairsOnly {
            clusters = Self.ordered(clusters, questions: questions, minimumSize: deduplication.minimumSize)
        }
        return Report(model: model.name, threshold: deduplication.threshold,
                      keywordWeight: deduplication.keywordWeight, rule: deduplication.rule,
                      result: Deduplication.Result(pairs: pairs, clusters: clusters, questionCount: matrix.count),
                      questions: questions)
    }

    /// The number of input rows a cluster stands for: each member once per row that names it.
    public static func rowCount(of cluster: DuplicateCluster, questions: [Int64: StoredQuestion]) -> Int {
        cluster.members.reduce(0) { $0 + max(1, questions[$1.questionID]?.entries.count ?? 1) }
    }

    /// Clusters of at least `minimumSize` rows, more rows first, then tighter, then by representative id.
    static func ordered(_ clusters: [DuplicateCluster], questions: [Int64: StoredQuestion],
                        minimumSize: Int) -> [DuplicateCluster] {
        clusters.map { (cluster: $0, rows: rowCount(of: $0, questions: questions)) }
            .filter { $0.rows >= minimumSize }
            .sorted { a, b in
                if a.rows != b.rows { return a.rows > b.rows }
                if a.cluster.lowestSimilarity != b.cluster.lowestSimilarity {
                    return a.cluster.lowestSimilarity > b.cluster.lowestSimilarity
                }
                return a.cluster.representative.questionID < b.cluster.representative.questionID
            }
            .map(\.cluster)
    }
}

/// Errors of deduplication a user can act on.
public enum DedupError: Error, Equatable, CustomStringConvertible {
    /// No threshold was given and the model has no calibrated dedup threshold.
    case noThreshold(path: String, model: String)
    /// A given threshold outside [-1, 1].
    case invalidThreshold(Float)
    /// A given keyword weight outside [0, 0.9], or above 0 with average link.
    case invalidKeywordWeight(Float, rule: ClusteringRule)
    /// A keyword weight above 0 with a model whose calibration has no word weights (calibrated before them).
    case noKeywordReference(path: String, model: String)
    /// More than `limit` pairs reach the threshold: it is too low to deduplicate with.
    case tooManyPairs(limit: Int, threshold: Float)

    /// A one-line message for the user, with what to do.
    public var description: String {
        switch self {
        case .noThreshold(let path, let model):
            return "model \"\(model)\" in \(path) has no dedup threshold (it was trained before they were calibrated, "
                + "or without enough labelled duplicates); give one with --threshold, e.g. --threshold 0.8"
        case .invalidThreshold(let value):
            return "invalid threshold \(value): it must be a cosine between -1 and 1"
        case .invalidKeywordWeight(let value, let rule):
            return rule == .averageLink && value >= 0 && value <= KeywordWeighting.maximumWeight
                ? "keyword weight \(value) needs --rule single-link or community: average link merges by cosines only"
                : "invalid keyword weight \(value): it must be between 0 and 0.9"
        case .noKeywordReference(let path, let model):
            return "model \"\(model)\" in \(path) was calibrated before keyword weights and has no word weights for them; "
                + "retrain it, or leave out --keyword-weight"
        case .tooManyPairs(let limit, let threshold):
            return "more than \(limit) pairs score at least \(String(format: "%.4f", Double(threshold))): the threshold is "
                + "too low for deduplication; raise --threshold (or --max-pairs)"
        }
    }
}
