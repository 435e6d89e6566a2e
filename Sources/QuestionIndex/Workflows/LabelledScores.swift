import SiameseNet

/// Cosine scores of labelled pairs under a model: the input of ROC-AUC and threshold calibration.
public struct LabelledScores: Sendable {
    public var scores: [Float] = []
    public var labels: [Bool] = []

    /// Scores every pair that has a label and words on both sides, encoding in batches.
    public init(model: SiameseModel, pairs: [QuestionPair], batchSize: Int = 512) throws {
        let usable = pairs.filter { pair in
            pair.isDuplicate != nil && !model.tokenIDs(pair.question1).isEmpty && !model.tokenIDs(pair.question2).isEmpty
        }
        let d = model.dimension
        for start in stride(from: 0, to: usable.count, by: batchSize) {
            let batch = usable[start..<min(start + batchSize, usable.count)]
            let vectors = try model.encode(batch.map(\.question1) + batch.map(\.question2))
            for (offset, pair) in batch.enumerated() {
                var dot: Float = 0
                let a = offset * d, b = (batch.count + offset) * d
                for k in 0..<d { dot += vectors[a + k] * vectors[b + k] }
                scores.append(dot)
                labels.append(pair.isDuplicate ?? false)
            }
        }
    }

    /// ROC-AUC of the scores; nil unless both labels occur.
    public var rocAUC: Double? { Metrics.rocAUC(scores: scores, labels: labels) }

    /// The accuracy-maximizing duplicate threshold; nil unless both labels occur.
    public var bestThreshold: (threshold: Float, accuracy: Double)? {
        guard labels.contains(true), labels.contains(false) else { return nil }
        return Metrics.bestThreshold(scores: scores, labels: labels)
    }
}
