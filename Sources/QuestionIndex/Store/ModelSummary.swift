import Foundation

/// What `info` shows about one stored model, read without loading its weights.
public struct ModelSummary: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let createdAt: Date
    /// Embedding width d.
    public let dimension: Int
    /// Vocabulary entries, `<PAD>` and `<UNK>` included.
    public let vocabularySize: Int
    public let threshold: Float?
    /// Number of recorded training epochs.
    public let epochCount: Int
    /// Loss of the last recorded epoch.
    public let lastLoss: Double?
    /// When the last epoch was recorded.
    public let trainedAt: Date?
    /// Questions embedded with this model.
    public let embeddingCount: Int
    /// Whether `siamese model use` made it the model commands use when none is named.
    public let isDefault: Bool
    /// How the threshold was calibrated and which epoch was kept; nil when not recorded.
    public var calibration: ModelCalibration? = nil
}
