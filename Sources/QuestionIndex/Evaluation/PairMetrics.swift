import SiameseNet

/// How well cosine scores separate duplicate from non-duplicate pairs.
public struct PairMetrics: Sendable {
    /// Calling a pair a duplicate when its score is at or above a threshold.
    public struct Classification: Sendable, Equatable {
        /// Pairs scoring at or above this are called duplicates.
        public var threshold: Float
        /// The fraction of pairs classified right.
        public var accuracy: Double
        /// Of the pairs called duplicates, the fraction that are; nil when none is called one.
        public var precision: Double?
        /// Of the duplicates, the fraction called duplicates; nil when there are none.
        public var recall: Double?
        /// Harmonic mean of precision and recall (2·TP / (2·TP + FP + FN)); nil when there are no
        /// duplicates and none is called one.
        public var f1: Double?

        /// - Parameter eligible: per pair, whether it may be called a duplicate at all (false: a side has no
        ///   known word); nil for all.
        public init(scores: [Float], labels: [Bool], threshold: Float, eligible: [Bool]? = nil) {
            precondition(scores.count == labels.count, "one label per score")
            precondition(eligible.map { $0.count == scores.count } ?? true, "one eligibility per score")
            var tp = 0, fp = 0, fn = 0, tn = 0
            for (index, (score, label)) in zip(scores, labels).enumerated() {
                switch (score >= threshold && (eligible?[index] ?? true), label) {
                case (true, true): tp += 1
                case (true, false): fp += 1
                case (false, true): fn += 1
                case (false, false): tn += 1
                }
            }
            self.threshold = threshold
            accuracy = scores.isEmpty ? 0 : Double(tp + tn) / Double(scores.count)
            precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil
            recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : nil
            f1 = 2 * tp + fp + fn > 0 ? Double(2 * tp) / Double(2 * tp + fp + fn) : nil
        }
    }

    /// The scores of the pairs, and whether each is a duplicate: the raw material of histograms and ROC curves.
    public let scores: [Float]
    /// Whether each pair of `scores` is a duplicate.
    public let labels: [Bool]
    /// ROC-AUC (Mann–Whitney, ties count half); nil unless both labels occur.
    public let rocAUC: Double?
    /// At the model's calibrated threshold; nil when it has none.
    public let atModelThreshold: Classification?
    /// The threshold of best accuracy on these pairs, with its accuracy (`Metrics.bestThreshold`).
    public let bestAccuracy: (threshold: Float, accuracy: Double)?
    /// The threshold of best F1 of duplicates on these pairs, with its F1.
    public let bestF1: (threshold: Float, f1: Double)?

    /// - Parameter eligible: per pair, whether it may be called a duplicate (see `Classification`).
    public init(scores: [Float], labels: [Bool], modelThreshold: Float?, eligible: [Bool]? = nil) {
        self.scores = scores
        self.labels = labels
        rocAUC = Metrics.rocAUC(scores: scores, labels: labels)
        atModelThreshold = modelThreshold.map {
            Classification(scores: scores, labels: labels, threshold: $0, eligible: eligible)
        }
        let bothLabels = labels.contains(true) && labels.contains(false)
        bestAccuracy = bothLabels ? Metrics.bestThreshold(scores: scores, labels: labels) : nil
        bestF1 = bothLabels ? Self.bestF1Threshold(scores: scores, labels: labels) : nil
    }

    /// The threshold maximizing F1 of duplicates (ties: the higher threshold), midway between two adjacent
    /// distinct scores as `Metrics.bestThreshold` places its own; nil without a duplicate.
    /// - Complexity: O(n log n).
    public static func bestF1Threshold(scores: [Float], labels: [Bool]) -> (threshold: Float, f1: Double)? {
        precondition(scores.count == labels.count, "one label per score")
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var best: (f1: Double, threshold: Float)?
        var tp = 0, fp = 0, position = 0
        while position < order.count {
            let score = scores[order[position]]
            while position < order.count && scores[order[position]] == score {
                if labels[order[position]] { tp += 1 } else { fp += 1 }
                position += 1
            }
            let f1 = Double(2 * tp) / Double(tp + fp + positives)  // 2TP / (2TP + FP + FN), FN = P − TP
            let below = position < order.count ? scores[order[position]] : score - 1
            if best == nil || f1 > best!.f1 { best = (f1, (score + below) / 2) }
        }
        return best.map { ($0.threshold, $0.f1) }
    }
}
