import SiameseNet

/// Cosine scores of labelled pairs under a model: the input of ROC-AUC and threshold calibration.
struct LabelledScores: Sendable {
    var scores: [Float] = []
    var labels: [Bool] = []
    /// The pairs scored, in the order of `scores`: those with a label and words on both sides.
    var pairs: [QuestionPair] = []

    /// Scores every pair that has a label and words on both sides, encoding in batches on `workers` threads
    /// (see `SiameseModel.encode(_:batchSize:workers:)`).
    init(model: SiameseModel, pairs: [QuestionPair], batchSize: Int = 512, workers: Int = 1) throws {
        let usable = pairs.filter { pair in
            pair.isDuplicate != nil && !model.tokenIDs(pair.question1).isEmpty && !model.tokenIDs(pair.question2).isEmpty
        }
        let d = model.dimension
        // Both questions of every pair in one list: first questions, then second ones.
        let vectors = try model.encode(usable.map(\.question1) + usable.map(\.question2), batchSize: batchSize,
                                       workers: workers)
        let n = usable.count
        self.pairs = usable
        vectors.withUnsafeBufferPointer { v in
            for (i, pair) in usable.enumerated() {
                var dot: Float = 0
                for k in 0..<d { dot += v[i * d + k] * v[(n + i) * d + k] }
                scores.append(dot)
                labels.append(pair.isDuplicate ?? false)
            }
        }
    }

    /// ROC-AUC of the scores; nil unless both labels occur.
    var rocAUC: Double? { Metrics.rocAUC(scores: scores, labels: labels) }

    /// The accuracy-maximizing duplicate threshold; nil unless both labels occur.
    var bestThreshold: (threshold: Float, accuracy: Double)? {
        guard labels.contains(true), labels.contains(false) else { return nil }
        return Metrics.bestThreshold(scores: scores, labels: labels)
    }
}
