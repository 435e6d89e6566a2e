import Foundation

/// A model together with its vectors, as one consistent pair.
extension QuestionStore {
    /// Attempts of `loadModel(name:with:)` before giving up on a model that keeps being replaced.
    static let modelSwapRetries = 5

    /// Loads the model `name` (see `loadModel(name:)`) and then, with `vectors`, what is stored under its id.
    /// When the model is swapped for a new one in between (a retrain or a re-embedding finished), the vectors of
    /// the model just loaded are gone: loads both again, so the caller always gets a model with its own vectors.
    /// - Throws: as `loadModel(name:)` and `vectors`; `.modelIDNotFound` only when the model was replaced on every
    ///   attempt.
    func loadModel<Vectors>(name: String?, with vectors: (Int64) throws(IndexError) -> Vectors)
        throws(IndexError) -> (model: StoredModel, vectors: Vectors)
    {
        var attempt = 1
        while true {
            let model = try loadModel(name: name)
            do {
                return (model, try vectors(model.id))
            } catch .modelIDNotFound where attempt < Self.modelSwapRetries {
                attempt += 1
            }
        }
    }

    /// The model `name` with all its Float32 vectors (`loadModel(name:with:)`).
    func loadModelWithVectors(name: String?) throws(IndexError) -> (model: StoredModel, vectors: EmbeddingMatrix) {
        try loadModel(name: name) { (id) throws(IndexError) in try embeddingMatrix(modelID: id) }
    }
}
