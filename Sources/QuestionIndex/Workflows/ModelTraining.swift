import Foundation
import SiameseNet

/// Trains a model on a training set and saves it into an index after every epoch: the work of
/// `siamese train` and of the demo.
///
/// Each epoch's weights and learning-curve row are committed in one transaction, so a killed run leaves
/// the last whole epoch. The duplicate threshold is calibrated on labelled validation pairs when given,
/// else on the labelled rows of the training file, and saved with the last epoch.
public struct ModelTraining {
    public var modelName: String
    public var config: ModelConfig
    /// Labelled pairs scored after every epoch (ROC-AUC) and used to calibrate the threshold.
    public var validationPairs: [QuestionPair]
    /// Labelled pairs to calibrate on when there are no validation pairs.
    public var calibrationPairs: [QuestionPair]
    /// Threads for scoring labelled pairs (batches encoded in parallel).
    public var workers: Int

    public init(modelName: String, config: ModelConfig, validationPairs: [QuestionPair] = [],
                calibrationPairs: [QuestionPair] = [], workers: Int = 1) {
        self.modelName = modelName
        self.config = config
        self.validationPairs = validationPairs
        self.calibrationPairs = calibrationPairs
        self.workers = max(1, workers)
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        public var modelID: Int64
        public var model: SiameseModel
        public var epochs: [TrainingEpochRecord]
        public var threshold: Float?
        /// Accuracy of the threshold on the pairs it was calibrated on.
        public var thresholdAccuracy: Double?
        /// "validation" or "training", naming the pairs the threshold was calibrated on; nil when none.
        public var calibratedOn: String?
    }

    /// Trains for `config.epochs` epochs and saves the model under `modelName`, replacing a model of that name.
    /// - Parameters:
    ///   - progress: after every batch.
    ///   - epochFinished: after every saved epoch.
    public func run(store: QuestionStore, trainingSet: TrainingSet,
                    progress: (Trainer.Progress) -> Void = { _ in },
                    epochFinished: (TrainingEpochRecord) -> Void = { _ in }) throws -> Outcome {
        let trainer = try Trainer(model: SiameseModel(config: config, vocabulary: trainingSet.vocabulary,
                                                  subwords: trainingSet.subwords),
                                  pairs: trainingSet.pairs)
        var records: [TrainingEpochRecord] = []
        var modelID: Int64 = 0
        var calibration: (threshold: Float, accuracy: Double)?, calibratedOn: String?
        for epoch in 1...config.epochs {
            let summary = trainer.trainEpoch(progress: progress)
            var validationAUC: Double?
            if !validationPairs.isEmpty {
                let scored = try LabelledScores(model: trainer.model, pairs: validationPairs, workers: workers)
                validationAUC = scored.rocAUC
                if epoch == config.epochs, let best = scored.bestThreshold { calibration = best; calibratedOn = "validation" }
            }
            if epoch == config.epochs && calibration == nil && !calibrationPairs.isEmpty {
                if let best = try LabelledScores(model: trainer.model, pairs: calibrationPairs, workers: workers).bestThreshold {
                    calibration = best
                    calibratedOn = "training"
                }
            }
            let record = TrainingEpochRecord(epoch: epoch, loss: Double(summary.loss),
                                             pairsPerSecond: summary.pairsPerSecond, seconds: summary.seconds,
                                             validationAUC: validationAUC)
            modelID = try store.saveEpoch(name: modelName, model: trainer.model, epoch: record,
                                          threshold: calibration?.threshold)
            records.append(record)
            epochFinished(record)
        }
        return Outcome(modelID: modelID, model: trainer.model, epochs: records, threshold: calibration?.threshold,
                       thresholdAccuracy: calibration?.accuracy, calibratedOn: calibratedOn)
    }
}
