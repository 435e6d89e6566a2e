import Foundation

/// Trains a `SiameseModel` on duplicate pairs with the triplet loss and Adam, one epoch at a time, so
/// the caller can save the model after every epoch.
public final class Trainer {
    /// The model as trained so far.
    public private(set) var model: SiameseModel
    /// The duplicate pairs trained on.
    public let pairs: [TrainingPair]
    /// Labelled non-duplicate pairs for the `NonDuplicateLoss` term (used when the config's weight is > 0).
    public let nonDuplicates: [TrainingPair]
    /// Both questions of every non-duplicate pair as the encoder reads them.
    private let nonDuplicateQuestions: [TokenizedQuestion]
    private var nonDuplicateOrder: [Int] = []
    private var nonDuplicateCursor = 0
    private let nonDuplicateLoss: NonDuplicateLoss
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
        /// The epoch, counted from 1 over the trainer's life.
        public var epoch: Int
        /// Batches done in this epoch, counted from 1.
        public var step: Int
        /// Batches in this epoch.
        public var steps: Int
        /// Pairs trained on so far in this epoch.
        public var pairsDone: Int
        /// Pairs in this epoch.
        public var pairsInEpoch: Int
        /// Mean loss per pair over the epoch so far (a batch's loss divided by its pair count).
        public var loss: Float
        /// Training speed over the epoch so far.
        public var pairsPerSecond: Double
        /// Wall-clock time since the epoch started.
        public var elapsedSeconds: Double
    }

    /// What one epoch did.
    public struct EpochSummary: Sendable, Equatable {
        /// The epoch, counted from 1 over the trainer's life.
        public var epoch: Int
        /// Mean loss per pair over the epoch.
        public var loss: Float
        /// Pairs trained on (a pair left alone in its batch is skipped: it would have no negative).
        public var pairs: Int
        /// Wall-clock time of the epoch.
        public var seconds: Double
        /// Training speed over the epoch.
        public var pairsPerSecond: Double

        package init(epoch: Int, loss: Float, pairs: Int, seconds: Double, pairsPerSecond: Double) {
            self.epoch = epoch
            self.loss = loss
            self.pairs = pairs
            self.seconds = seconds
            self.pairsPerSecond = pairsPerSecond
        }
    }

    /// Prepares to train `model` on `pairs`, checking every question once so that no batch can fail later.
    /// - Parameters:
    ///   - model: the model to train (fresh or restored); its config supplies batch size, learning rate, margin, clip norm and seed.
    ///   - pairs: duplicate pairs, every question with at least one token.
    ///   - nonDuplicates: labelled non-duplicate pairs, every question with at least one token; each step
    ///     takes as many of them as it has duplicate pairs, cycling through them in a shuffled order.
    /// - Throws: `ModelConfigError` for an invalid config, `TrainerError.tooFewPairs`, `.severalMembers` for a
    ///   model of several members (`ModelTraining` trains those, one trainer per member), and `EncoderError` for an
    ///   empty question or an id outside the vocabularies (its index counts pairs, duplicates first).
    public init(model: SiameseModel, pairs: [TrainingPair], nonDuplicates: [TrainingPair] = []) throws {
        try model.config.validate()
        guard model.encoders.count == 1 else { throw TrainerError.severalMembers(model.encoders.count) }
        guard pairs.count >= 2 else { throw TrainerError.tooFewPairs(pairs.count) }
        for (index, pair) in (pairs + nonDuplicates).enumerated() where pair.first.isEmpty || pair.second.isEmpty {
            throw EncoderError.emptyQuestion(index: index)
        }
        let usedNonDuplicates = model.config.nonDuplicateWeight > 0 ? nonDuplicates : []
        // Both questions of every pair as the encoder reads them, each id checked once so that packing a batch
        // cannot fail; errors name the pair (duplicates first, then non-duplicates).
        var questions: [TokenizedQuestion] = []
        questions.reserveCapacity(2 * (pairs.count + usedNonDuplicates.count))
        for pair in pairs + usedNonDuplicates {
            questions.append(pair.firstTokens ?? model.tokenized(ids: pair.first))
            questions.append(pair.secondTokens ?? model.tokenized(ids: pair.second))
        }
        do {
            _ = try PackedBatch(questions, vocabularySize: model.vocabulary.count,
                                subwordCount: model.encoder.weights.subwordCount)
        } catch EncoderError.tokenOutOfRange(let index, let token, let size) {
            throw EncoderError.tokenOutOfRange(index: index / 2, token: token, vocabularySize: size)
        } catch EncoderError.subwordOutOfRange(let index, let subword, let size) {
            throw EncoderError.subwordOutOfRange(index: index / 2, subword: subword, subwordCount: size)
        }
        self.questions = Array(questions[..<(2 * pairs.count)])
        nonDuplicateQuestions = Array(questions[(2 * pairs.count)...])
        self.model = model
        self.pairs = pairs
        self.nonDuplicates = usedNonDuplicates
        nonDuplicateLoss = NonDuplicateLoss(margin: model.config.margin, weight: model.config.nonDuplicateWeight)
        let config = model.config
        optimizer = Adam(for: model.encoder.weights, learningRate: config.learningRate, clipNorm: config.clipNorm)
        // A stream separate from initialization's, so shuffles don't depend on the model's size.
        generator = SeededGenerator(seed: config.seed ^ 0x5EED_5EED_5EED_5EED)
        loss = TripletLoss(margin: config.margin)
        gradients = EncoderWeights(zerosLike: model.encoder.weights)
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

    /// The next `count` non-duplicate pairs of the shuffled cycle (none when there are none).
    private func nextNonDuplicates(_ count: Int) -> [Int] {
        guard !nonDuplicates.isEmpty else { return [] }
        var taken: [Int] = []
        while taken.count < min(count, nonDuplicates.count) {
            if nonDuplicateCursor == nonDuplicateOrder.count {
                nonDuplicateOrder = Array(nonDuplicates.indices)
                generator.shuffle(&nonDuplicateOrder)
                nonDuplicateCursor = 0
            }
            taken.append(nonDuplicateOrder[nonDuplicateCursor])
            nonDuplicateCursor += 1
        }
        return taken
    }

    /// One optimizer step on the pairs at `batch` (and as many non-duplicates, when they are trained on);
    /// returns the batch's summed loss.
    @discardableResult
    package func trainStep(_ batch: [Int]) -> Float {
        let n = batch.count, d = model.dimension
        let negatives = nextNonDuplicates(n), m = negatives.count
        // One packed pass over [A, B, non-duplicate firsts, non-duplicate seconds].
        let sequences = batch.map { questions[2 * $0] } + batch.map { questions[2 * $0 + 1] }
            + negatives.map { nonDuplicateQuestions[2 * $0] } + negatives.map { nonDuplicateQuestions[2 * $0 + 1] }
        // Tokens were checked in init; packing cannot fail.
        guard let packed = try? PackedBatch(sequences, vocabularySize: model.vocabulary.count,
                                            subwordCount: model.encoder.weights.subwordCount) else {
            preconditionFailure("training pairs were validated in init")
        }
        let dropout = model.config.inputDropout
        let activations = model.encoder.forward(packed, workspace: workspace,
                                                inputDropout: dropout > 0 ? (dropout, generator.next()) : nil)
        let units = activations.unitVectorsInInputOrder()
        // Pairs without a cluster get one of their own (negative ids never collide with real clusters).
        let groups = batch.contains { pairs[$0].cluster != nil } ? batch.map { pairs[$0].cluster ?? -1 - $0 } : nil
        let a = Array(units[0..<(n * d)]), b = Array(units[(n * d)..<(2 * n * d)])
        let evaluation = loss.evaluate(a, b, dimension: d, groups: groups)
        var unitGradients = evaluation.gradientA + evaluation.gradientB
        var total = evaluation.loss
        if m > 0 {
            let negativeA = Array(units[(2 * n * d)..<((2 * n + m) * d)]), negativeB = Array(units[((2 * n + m) * d)...])
            let extra = nonDuplicateLoss.evaluate(positiveA: a, positiveB: b, negativeA: negativeA, negativeB: negativeB,
                                                  dimension: d)
            for k in 0..<(n * d) {
                unitGradients[k] += extra.gradientPositiveA[k]
                unitGradients[n * d + k] += extra.gradientPositiveB[k]
            }
            unitGradients += extra.gradientNegativeA + extra.gradientNegativeB
            total += extra.loss
        }
        gradients.zeroAll()
        model.encoder.backward(activations, unitGradients: unitGradients, into: &gradients)
        optimizer.update(&model.encoder.weights, gradients: gradients)
        return total
    }
}

/// Why a `Trainer` cannot be made from its input.
public enum TrainerError: Error, Equatable, CustomStringConvertible {
    /// Fewer than 2 duplicate pairs: the loss needs another pair of the batch as a negative.
    case tooFewPairs(Int)
    /// The model has this many members: a trainer trains one encoder (`ModelTraining` trains each member).
    case severalMembers(Int)
    /// The message, for the user.
    public var description: String {
        switch self {
        case .tooFewPairs(let count): return "training needs at least 2 duplicate pairs, got \(count)"
        case .severalMembers(let count):
            return "a trainer trains one encoder, and this model has \(count) members: train it with ModelTraining"
        }
    }
}
