import Foundation

/// One finished training epoch: a point of a model's learning curve.
public struct TrainingEpochRecord: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch.
    public var loss: Double
    /// Training throughput.
    public var pairsPerSecond: Double
    /// Wall-clock duration of the epoch.
    public var seconds: Double
    /// ROC AUC of duplicate/non-duplicate scores on held-out pairs, when measured.
    public var validationAUC: Double?
    /// When the epoch finished (stored with millisecond precision).
    public var createdAt: Date

    /// A record of one epoch; `createdAt` defaults to now.
    public init(epoch: Int, loss: Double, pairsPerSecond: Double, seconds: Double, validationAUC: Double? = nil,
                createdAt: Date = Date()) {
        self.epoch = epoch
        self.loss = loss
        self.pairsPerSecond = pairsPerSecond
        self.seconds = seconds
        self.validationAUC = validationAUC
        self.createdAt = createdAt
    }
}
