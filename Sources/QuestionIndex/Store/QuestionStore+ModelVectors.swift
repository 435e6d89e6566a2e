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
    ///
    /// The model is made from its stored parts (vocabularies, n-gram table, weights: CPU work, ~40 ms for the
    /// Quora model) on another thread while this one reads the vectors.
    func loadModel<Vectors>(name: String?, with vectors: (Int64) throws(IndexError) -> Vectors)
        throws(IndexError) -> (model: StoredModel, vectors: Vectors)
    {
        var attempt = 1
        while true {
            let parts = try readModelParts(name: name)
            let building = ModelBuilding(parts)
            let built = DispatchGroup()
            DispatchQueue.global(qos: .userInitiated).async(group: built) { building.run() }
            let read: Result<Vectors, IndexError>
            do throws(IndexError) { read = .success(try vectors(parts.id)) } catch { read = .failure(error) }
            built.wait()
            // A model that cannot be made is the error to report, as when it was made first.
            let model = try building.result!.get()
            switch read {
            case .success(let vectors): return (model, vectors)
            case .failure(.modelIDNotFound) where attempt < Self.modelSwapRetries: attempt += 1
            case .failure(let error): throw error
            }
        }
    }

    /// The model `name` with all its Float32 vectors (`loadModel(name:with:)`).
    func loadModelWithVectors(name: String?) throws(IndexError) -> (model: StoredModel, vectors: EmbeddingMatrix) {
        try loadModel(name: name) { (id) throws(IndexError) in try embeddingMatrix(modelID: id) }
    }
}

/// `ModelParts.build` run on another thread; `result` is read after `run` returns.
private final class ModelBuilding: @unchecked Sendable {
    private let parts: ModelParts
    private(set) var result: Result<StoredModel, IndexError>?

    init(_ parts: ModelParts) { self.parts = parts }

    func run() {
        do throws(IndexError) { result = .success(try parts.build()) } catch { result = .failure(error) }
    }
}
