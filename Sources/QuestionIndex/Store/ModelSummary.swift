import Foundation
import SiameseNet

/// What `info` shows about one stored model, read without loading its weights.
public struct ModelSummary: Sendable, Equatable {
    /// The model's row id.
    public let id: Int64
    /// The model's name, unique in the index.
    public let name: String
    /// When the model was first saved under this name.
    public let createdAt: Date
    /// Embedding width d.
    public let dimension: Int
    /// Vocabulary entries, `<PAD>` and `<UNK>` included.
    public let vocabularySize: Int
    /// The calibrated duplicate threshold (cosine), nil until calibrated.
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
    /// The hyperparameters the model was built and trained with; nil when this build cannot read them (loading
    /// the model then fails with the reason).
    public var config: ModelConfig? = nil
}
