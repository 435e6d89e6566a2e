import Foundation
import SiameseNet

/// Trains a model on a training set and saves it into an index: the work of `siamese train` and of the demo.
///
/// The run's model is written beside any model of the same name, as an unfinished run that no command uses,
/// and takes the name only when training ends, in one transaction that deletes the model it replaces: a
/// retrain that fails or is killed leaves the old model (and its vectors) as they were, and two runs of one
/// name never overwrite each other silently (`IndexError.modelChangedDuringTraining`).
///
/// With validation pairs, every epoch is scored on them (ROC-AUC) and the stored model is always the best
/// epoch so far: an epoch that improves the validation ROC-AUC is saved with its learning-curve row and a
/// threshold calibrated on the validation pairs, in one transaction; one that does not only adds its row.
/// So a killed run leaves the best whole epoch in its unfinished model, and a finished one the best of all. Without validation pairs
/// every epoch is saved (the last one is kept) and the threshold is calibrated at the end on
/// `calibrationPairs` (the training file's own labelled rows: optimistic, and said so).
public struct ModelTraining {
    /// The name the model is stored under; a finished run replaces a model of that name.
    public var modelName: String
    /// The model's shape and training settings.
    public var config: ModelConfig
    /// Labelled pairs scored after every epoch: they pick the epoch kept and calibrate the threshold.
    public var validationPairs: [QuestionPair]
    /// Where the validation pairs came from, e.g. "dev" / "dev.tsv" or "held-out" / "10% of train.tsv (seed 1)".
    public var validationSource: (kind: String, description: String)
    /// Labelled pairs to calibrate on when there are no validation pairs.
    public var calibrationPairs: [QuestionPair]
    /// Threads for scoring labelled pairs (batches encoded in parallel).
    public var workers: Int
    /// Whether the run may replace a model of its name: the one that exists when it starts (true, the default;
    /// `train --force`), or none (false: a model of that name that exists when the run ends, even one that
    /// another run finished before this one began, is kept and this run is refused). A caller that checked that
    /// the name is free passes false: checking and then reading the model to replace were two moments, and a run
    /// finishing in between was replaced without `--force` (seen once under load in the concurrency test).
    public var replacesExisting = true

    /// The threshold rule, recorded with the model.
    static let thresholdRule = "best accuracy"

    /// A training run of `config` saving under `modelName`; see the properties for the other parameters.
    public init(modelName: String, config: ModelConfig, validationPairs: [QuestionPair] = [],
                validationSource: (kind: String, description: String) = ("dev", "validation pairs"),
                calibrationPairs: [QuestionPair] = [], workers: Int = 1) {
        self.modelName = modelName
        self.config = config
        self.validationPairs = validationPairs
        self.validationSource = validationSource
        self.calibrationPairs = calibrationPairs
        self.workers = max(1, workers)
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The stored model's row id, under which its vectors are stored.
        public var modelID: Int64
        /// The model as stored: the kept epoch's weights.
        public var model: SiameseModel
        /// The learning curve, one record per epoch run.
        public var epochs: [TrainingEpochRecord]
        /// The calibrated duplicate threshold (cosine); nil when nothing could be calibrated.
        public var threshold: Float?
        /// Accuracy of the threshold on the pairs it was calibrated on.
        public var thresholdAccuracy: Double?
        /// How the threshold was calibrated and which epoch was kept; nil when nothing could be calibrated.
        public var calibration: ModelCalibration?
        /// The epoch whose weights are stored.
        public var keptEpoch: Int
    }

    /// What is wrong with an epoch's result, nil when its loss and every weight are finite numbers.
    static func divergence(loss: Float, model: SiameseModel) -> String? {
        if !loss.isFinite { return "its loss is \(loss)" }
        for (index, encoder) in model.encoders.enumerated() {
            if let tensor = encoder.weights.nonFiniteTensor {
                return "weight \"\(SiameseModel.storedName(tensor, member: index))\" is no longer finite"
            }
        }
        return nil
    }

    /// One epoch of every member, reported as one epoch: progress counts the members' batches and pairs
    /// together, the summary's loss is the mean per pair over all members. With `workers` > 1 the members train
    /// side by side, each on one thread with BLAS single-threaded (small products gain little from a second BLAS
    /// thread); each member then computes exactly what it computes alone at one thread, whatever the scheduling.
    static func trainEpoch(_ trainers: [Trainer], workers: Int,
                           progress: (Trainer.Progress) -> Void) -> Trainer.EpochSummary {
        guard trainers.count > 1 else { return trainers[0].trainEpoch(progress: progress) }
        let start = Date()
        let tally = EpochTally(members: trainers.count)
        func train(_ index: Int) -> Trainer.EpochSummary {
            trainers[index].trainEpoch { member in
                tally.report(member: index, member) { combined in
                    var combined = combined
                    combined.elapsedSeconds = Date().timeIntervalSince(start)
                    combined.pairsPerSecond = Double(combined.pairsDone) / max(combined.elapsedSeconds, 1e-9)
                    progress(combined)
                }
            }
        }
        let summaries: [Trainer.EpochSummary]
        if workers > 1 {
            let previousThreads = BLAS.threadCount
            BLAS.setThreadCount(1)
            defer { BLAS.setThreadCount(previousThreads) }
            let results = EpochResults(count: trainers.count)
            withoutActuallyEscaping(train) { train in
                let train = UncheckedSendable(value: train)
                DispatchQueue.concurrentPerform(iterations: trainers.count) { results.set($0, train.value($0)) }
            }
            summaries = results.all
        } else {
            summaries = trainers.indices.map(train)
        }
        let seconds = Date().timeIntervalSince(start)
        let pairs = summaries.reduce(0) { $0 + $1.pairs }
        let loss = summaries.reduce(0.0) { $0 + Double($1.loss) * Double($1.pairs) } / Double(max(pairs, 1))
        return Trainer.EpochSummary(epoch: trainers[0].epochsCompleted, loss: Float(loss), pairs: pairs,
                                    seconds: seconds, pairsPerSecond: Double(pairs) / max(seconds, 1e-9))
    }

    /// Trains for `config.epochs` epochs and saves the model under `modelName`, replacing the model of that name
    /// that exists when the run starts (if any).
    /// - Parameters:
    ///   - progress: after every batch.
    ///   - epochFinished: after every recorded epoch, with whether its weights were kept.
    ///   - embeddingProgress: while the stored questions are embedded with the new model, before it replaces
    ///     the old one, (done, total).
    /// - Throws: `TrainingError.diverged` when an epoch ends with a non-finite loss or weights (that epoch is
    ///   not saved), besides the errors of the store.
    public func run(store: QuestionStore, trainingSet: TrainingSet,
                    progress: (Trainer.Progress) -> Void = { _ in },
                    epochFinished: (TrainingEpochRecord, Bool) -> Void = { _, _ in },
                    embeddingProgress: (Int, Int) -> Void = { _, _ in }) throws -> Outcome {
        // One trainer per member (a single one for the course's model), all on the same pairs.
        let initial = SiameseModel(config: config, vocabulary: trainingSet.vocabulary, subwords: trainingSet.subwords)
        let trainers = try (0..<initial.encoders.count).map {
            try Trainer(model: initial.member($0), pairs: trainingSet.pairs, nonDuplicates: trainingSet.nonDuplicatePairs)
        }
        let replaced = replacesExisting ? try store.readyModelID(name: modelName) : nil
        let runName = "\(modelName) (training run \(UUID().uuidString.prefix(8).lowercased()))"
        var records: [TrainingEpochRecord] = []
        var modelID: Int64?
        var kept: (epoch: Int, model: SiameseModel, auc: Double?, calibration: ModelCalibration?,
                   threshold: (threshold: Float, accuracy: Double)?)?
        do {
            for epoch in 1...config.epochs {
                let summary = Self.trainEpoch(trainers, workers: workers, progress: progress)
                let model = SiameseModel(config: config, lexicon: initial.lexicon, encoders: trainers.map { $0.model.encoder })
                // Diverged weights must never be stored: they encode every question as NaN.
                if let problem = Self.divergence(loss: summary.loss, model: model) {
                    throw TrainingError.diverged(model: modelName, epoch: epoch, problem: problem)
                }
                var scored: LabelledScores?
                if !validationPairs.isEmpty {
                    scored = try LabelledScores(model: model, pairs: validationPairs, workers: workers)
                }
                let auc = scored?.rocAUC
                let record = TrainingEpochRecord(epoch: epoch, loss: Double(summary.loss),
                                                 pairsPerSecond: summary.pairsPerSecond, seconds: summary.seconds,
                                                 validationAUC: auc)
                // Keep this epoch when it is the first, when there is no validation metric, or when it beats the kept one.
                let improves = kept == nil || auc == nil || (auc ?? 0) > (kept?.auc ?? -.infinity)
                if improves {
                    var threshold = scored?.bestThreshold, calibration: ModelCalibration?
                    var on = (kind: validationSource.kind, description: validationSource.description,
                              count: scored?.scores.count ?? 0)
                    if threshold == nil && epoch == config.epochs && !calibrationPairs.isEmpty {
                        let training = try LabelledScores(model: model, pairs: calibrationPairs, workers: workers)
                        threshold = training.bestThreshold
                        on = ("training", "the training pairs", training.scores.count)
                    }
                    if let threshold {
                        calibration = ModelCalibration(rule: Self.thresholdRule, pairs: on.kind, source: on.description,
                                                       pairCount: on.count, accuracy: threshold.accuracy, keptEpoch: epoch,
                                                       selectedBy: auc == nil ? nil : "ROC-AUC", selectionValue: auc)
                    }
                    modelID = try store.saveEpoch(name: runName, model: model, epoch: record,
                                                  threshold: threshold?.threshold, calibration: calibration,
                                                  trainingFor: modelName)
                    kept = (epoch, model, auc, calibration, threshold)
                } else {
                    guard let modelID else { preconditionFailure("the first epoch is always kept") }
                    try store.recordEpoch(modelID: modelID, modelName: modelName, epoch: record)
                }
                records.append(record)
                epochFinished(record, improves)
            }
            guard let kept, let modelID else { preconditionFailure("config.epochs ≥ 1 was validated by the trainer") }
            // The dedup threshold goes into the run's model before it takes the name: one swap, all of it.
            let outcome = try calibratingDedupThreshold(
                Outcome(modelID: modelID, model: kept.model, epochs: records, threshold: kept.threshold?.threshold,
                        thresholdAccuracy: kept.threshold?.accuracy, calibration: kept.calibration,
                        keptEpoch: kept.epoch), store: store, vocabularyTexts: trainingSet.vocabularyTexts)
            // The stored questions get their vectors before the swap: queries never meet a model without them.
            _ = try ModelSwap.embedAllAndSwap(store: store, runID: modelID, model: kept.model, name: modelName,
                                              replacing: replaced, batchSize: 512, workers: workers,
                                              progress: embeddingProgress)
            return outcome
        } catch {
            // A run that fails leaves nothing behind (`finishTraining` discards the run's model itself when refused).
            if let modelID { try? store.discardTraining(runID: modelID) }
            throw error
        }
    }
}

/// Why a training run stopped.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// Epoch `epoch` ended with a non-finite loss or weights; nothing of the run was saved (a model of that name
    /// stays as it was).
    case diverged(model: String, epoch: Int, problem: String)

    /// A one-line message for the user, with what to try instead.
    public var description: String {
        switch self {
        case .diverged(_, let epoch, let problem):
            return "training diverged in epoch \(epoch) (\(problem)); nothing was saved; "
                + "try a lower --learning-rate or a --clip-norm"
        }
    }
}

/// The members' progress within an epoch, combined into one report at a time (members may train on several threads).
private final class EpochTally: @unchecked Sendable {
    private let lock = NSLock()
    private var latest: [Trainer.Progress?]

    init(members: Int) { latest = Array(repeating: nil, count: members) }

    /// Records member `index`'s progress and calls `report` (under the lock, so reports never overlap) with the
    /// members' sums: steps and pairs done and in the epoch (a member not started yet counts as the first's size),
    /// and the mean loss per pair so far.
    func report(member index: Int, _ progress: Trainer.Progress, _ report: (Trainer.Progress) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        latest[index] = progress
        var combined = progress
        let known = latest.compactMap { $0 }
        let unknown = latest.count - known.count
        combined.step = known.reduce(0) { $0 + $1.step }
        combined.steps = known.reduce(0) { $0 + $1.steps } + unknown * progress.steps
        combined.pairsDone = known.reduce(0) { $0 + $1.pairsDone }
        combined.pairsInEpoch = known.reduce(0) { $0 + $1.pairsInEpoch } + unknown * progress.pairsInEpoch
        let lossSum = known.reduce(0.0) { $0 + Double($1.loss) * Double($1.pairsDone) }
        combined.loss = Float(lossSum / Double(max(combined.pairsDone, 1)))
        report(combined)
    }
}

/// Each member's epoch summary, written by the thread that trained it.
private final class EpochResults: @unchecked Sendable {
    private let lock = NSLock()
    private var summaries: [Trainer.EpochSummary?]

    init(count: Int) { summaries = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ summary: Trainer.EpochSummary) {
        lock.lock()
        summaries[index] = summary
        lock.unlock()
    }

    var all: [Trainer.EpochSummary] {
        lock.lock()
        defer { lock.unlock() }
        return summaries.map { $0! }
    }
}

/// A value handed to `DispatchQueue.concurrentPerform`, whose threads use it without overlapping writes.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
