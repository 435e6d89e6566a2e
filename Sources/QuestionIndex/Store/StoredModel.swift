import Foundation
import SiameseNet

/// A model read back from the index, with what the index knows about it.
public struct StoredModel: Sendable {
    /// The row id; embeddings are stored under it.
    public let id: Int64
    /// The model's name, unique in the index.
    public let name: String
    /// The restored model: configuration, vocabulary and weights as saved.
    public let model: SiameseModel
    /// The calibrated duplicate cut-off (cosine), nil until calibrated.
    public let threshold: Float?
    /// When the model was first saved under this name.
    public let createdAt: Date
    /// The learning curve, by epoch number.
    public let epochs: [TrainingEpochRecord]
    /// How the threshold was calibrated and which epoch was kept; nil for models saved before this was recorded.
    public var calibration: ModelCalibration? = nil
}
