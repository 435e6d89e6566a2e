import Foundation

/// A model together with its vectors, as one consistent pair.
extension QuestionStore {
    /// Attempts of `loadModelWithVectors` before giving up on a model that keeps being replaced.
    static let modelSwapRetries = 5

    /// Loads the model `name` (see `loadModel(name:)`) and then its vectors. When the model is swapped for a new
    /// one in between (a retrain or a re-embedding finished), the vectors of the model just loaded are gone:
    /// loads both again, so the caller always gets a model with its own vectors.
    /// - Throws: as `loadModel(name:)` and `embeddingMatrix(modelID:)`; `.modelIDNotFound` only when the model
    ///   was replaced on every attempt.
    func loadModelWithVectors(name: String?) throws(IndexError) -> (model: StoredModel, vectors: EmbeddingMatrix) {
        var attempt = 1
        while true {
            let model = try loadModel(name: name)
            do {
                return (model, try embeddingMatrix(modelID: model.id))
            } catch .modelIDNotFound where attempt < Self.modelSwapRetries {
                attempt += 1
            }
        }
    }
}
