import Foundation
import SiameseNet

/// Embeds stored questions with a model and stores their unit vectors: the work of `siamese index`.
///
/// Vectors are computed in batches and each batch is committed on its own, so a killed run keeps what it
/// finished and the next run embeds only what is missing.
public struct Indexer: Sendable {
    /// The index whose questions are embedded.
    public let store: QuestionStore
    /// The model that embeds them; vectors are stored under its id.
    public let model: StoredModel
    /// Questions encoded per batch.
    public var batchSize: Int
    /// Batches encoded at once, one per thread (see `SiameseModel.encode(_:batchSize:workers:)`).
    public var workers: Int

    /// An indexer of `store` with `model`.
    /// - Precondition: `batchSize` ≥ 1 and `workers` ≥ 1.
    public init(store: QuestionStore, model: StoredModel, batchSize: Int = 512, workers: Int = 1) {
        precondition(batchSize >= 1 && workers >= 1)
        self.store = store
        self.model = model
        self.batchSize = batchSize
        self.workers = workers
    }

    /// How many stored questions have no vector under the model yet.
    public func missingCount() throws -> Int {
        try store.questionsWithoutEmbeddingCount(modelID: model.id)
    }

    /// Embeds every stored question that has no vector under the model yet, then brings the model's compact
    /// chunks in step (`QuestionStore.refreshCompactChunks`), so that searches load them in a few reads.
    /// - Parameter progress: called after each round of `workers` batches with (done, total).
    /// - Returns: the number of questions embedded.
    public func embedMissing(progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let total = try missingCount()
        var done = 0, lastID: Int64 = 0
        while true {
            let batch = try store.questionsWithoutEmbedding(modelID: model.id, afterID: lastID,
                                                            limit: batchSize * workers)
            guard let last = batch.last else { break }
            lastID = last.id
            let vectors = try model.model.encode(batch.map(\.text), batchSize: batchSize, workers: workers)
            try store.storeEmbeddings(modelID: model.id, questionIDs: batch.map(\.id), vectors: vectors)
            done += batch.count
            progress(done, max(total, done))
        }
        try store.refreshCompactChunks(modelID: model.id)
        return done
    }
}
