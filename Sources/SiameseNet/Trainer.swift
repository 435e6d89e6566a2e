import Foundation

/// Trains a `SiameseModel` on duplicate pairs with the triplet loss and Adam, one epoch at a time, so
/// the caller can save the model after every epoch.
public final class Trainer {
    /// The model as trained so far.
    public private(set) var model: SiameseModel
    public let pairs: [TrainingPair]
    private var optimizer: Adam
    private var generator: SeededGenerator
    private let loss: TripletLoss
    private var gradients: EncoderWeights
    /// Both questions of every pair as the encoder reads them: `questions[2i]`, `questions[2i + 1]`.
    private let questions: [TokenizedQuestion]
    private let workspace = EncoderWorkspace()
    /// Epochs completed.
    public private(set) var epochsCompleted = 0

    /// Progress within an epoch, reported after every batch.
    public struct Progress: Sendable {
        public var epoch: Int
        public var step: Int
        public var steps: Int
        /// Pairs trained on so far in this epoch.
        public var pairsDone: Int
        /// Pairs in this epoch.
        public var pairsInEpoch: Int
        /// Mean loss per pair over the epoch so far (a batch's loss divided by its pair count).
        public var loss: Float
        public var pairsPerSecond: Double
        public var elapsedSeconds: Double
    }

    /// What one epoch did.
    public struct EpochSummary: Sendable, Equatable {
        public var epoch: Int
        /// Mean loss per pair over the epoch.
        public var loss: Float
        public var pairs: Int
        public var seconds: Double
        public var pairsPerSecond: Double
    }

    /// - Parameters:
    ///   - model: the model to train (fresh or restored); its config supplies batch size, learning rate, margin, clip norm and seed.
    ///   - pairs: duplicate pairs, every question with at least one token.
    public init(model: SiameseModel, pairs: [TrainingPair]) throws {
        try model.config.validate()
        guard pairs.count >= 2 else { throw TrainerError.tooFewPairs(pairs.count) }
        for (index, pair) in pairs.enumerated() where pair.first.isEmpty || pair.second.isEmpty {
            throw EncoderError.emptyQuestion(index: index)
        }
        var questions: [TokenizedQuestion] = []
        questions.reserveCapacity(2 * pairs.count)
        for pair in pairs {
            questions.append(pair.firstTokens ?? model.tokenized(ids: pair.first))
            questions.append(pair.secondTokens ?? model.tokenized(ids: pair.second))
        }
        // Checks every word and sub-word id once, so that packing a batch cannot fail.
        do {
            _ = try PackedBatch(questions, vocabularySize: model.vocabulary.count,
                                subwordCount: model.encoder.weights.subwordCount)
        } catch EncoderError.tokenOutOfRange(let index, let token, let size) {
            throw EncoderError.tokenOutOfRange(index: index / 2, token: token, vocabularySize: size)
        } catch EncoderError.subwordOutOfRange(let index, let subword, let size) {
            throw EncoderError.subwordOutOfRange(index: index / 2, subword: subword, subwordCount: size)
        }
        self.questions = questions
        self.model = model
        self.pairs = pairs
        let config = model.config
        optimizer = Adam(for: model.encoder.weights, learningRate: config.learningRate, clipNorm: config.clipNorm)
        // A stream separate from initialization's, so shuffles don't depend on the model's size.
        generator = SeededGenerator(seed: config.seed ^ 0x5EED_5EED_5EED_5EED)
        loss = TripletLoss(margin: config.margin)
        gradients = EncoderWeights(zerosForVocabularySize: model.vocabulary.count, dimension: config.dimension,
                                   subwordCount: model.encoder.weights.subwordCount)
    }

    /// Runs one epoch over all pairs, shuffled, in batches without shared questions.
    /// - Parameter progress: called after every batch.
    public func trainEpoch(progress: (Progress) -> Void = { _ in }) -> EpochSummary {
        let epoch = epochsCompleted + 1
        var order = Array(pairs.indices)
        generator.shuffle(&order)
        let batches = PairBatcher.batches(pairs, shuffledOrder: order, batchSize: model.config.batchSize)
        let start = Date()
        var lossSum: Double = 0, pairsDone = 0
        let pairsInEpoch = batches.reduce(0) { $0 + $1.count }
        for (step, batch) in batches.enumerated() {
            lossSum += Double(trainStep(batch))
            pairsDone += batch.count
            let elapsed = Date().timeIntervalSince(start)
            progress(Progress(epoch: epoch, step: step + 1, steps: batches.count, pairsDone: pairsDone,
                              pairsInEpoch: pairsInEpoch, loss: Float(lossSum / Double(pairsDone)),
                              pairsPerSecond: Double(pairsDone) / max(elapsed, 1e-9), elapsedSeconds: elapsed))
        }
        epochsCompleted = epoch
        let seconds = Date().timeIntervalSince(start)
        return EpochSummary(epoch: epoch, loss: Float(lossSum / Double(max(pairsDone, 1))), pairs: pairsDone,
                            seconds: seconds, pairsPerSecond: Double(pairsDone) / max(seconds, 1e-9))
    }

    /// One optimizer step on the pairs at `batch`; returns the batch's summed loss.
    @discardableResult
    public func trainStep(_ batch: [Int]) -> Float {
        let n = batch.count, d = model.dimension
        let sequences = batch.map { questions[2 * $0] } + batch.map { questions[2 * $0 + 1] }
        // Tokens were checked in init; packing cannot fail.
        guard let packed = try? PackedBatch(sequences, vocabularySize: model.vocabulary.count,
                                            subwordCount: model.encoder.weights.subwordCount) else {
            preconditionFailure("training pairs were validated in init")
        }
        let activations = model.encoder.forward(packed, workspace: workspace)
        let units = activations.unitVectorsInInputOrder()
        // Pairs without a cluster get one of their own (negative ids never collide with real clusters).
        let groups = batch.contains { pairs[$0].cluster != nil } ? batch.map { pairs[$0].cluster ?? -1 - $0 } : nil
        let evaluation = loss.evaluate(Array(units[0..<(n * d)]), Array(units[(n * d)...]), dimension: d, groups: groups)
        gradients.zeroAll()
        model.encoder.backward(activations, unitGradients: evaluation.gradientA + evaluation.gradientB, into: &gradients)
        optimizer.update(&model.encoder.weights, gradients: gradients)
        return evaluation.loss
    }
}

public enum TrainerError: Error, Equatable, CustomStringConvertible {
    case tooFewPairs(Int)
    public var description: String {
        switch self {
        case .tooFewPairs(let count): return "training needs at least 2 duplicate pairs, got \(count)"
        }
    }
}
