import Foundation
import SiameseNet

/// Puts a model's vectors in place all at once: an unfinished run (a retrained model, or a copy of a model
/// being re-embedded) gets a vector for every stored question, then `QuestionStore.finishTraining` swaps it in
/// for the model of that name in one transaction. Readers see the old vectors or the new ones, never a mix, and
/// never a model with only part of its vectors.
public enum ModelSwap {
    /// Rounds of "embed what is missing, then swap if nothing is" before swapping anyway: an `index` running
    /// at the same time adds questions (to the old model) between the rounds; each round embeds fewer.
    static let rounds = 5

    /// Recomputes every vector of `model` (after an encoder change) without readers ever seeing a mix: the
    /// vectors go into a copy of the model, swapped in at the end.
    /// - Parameter progress: after each batch, (done, total).
    /// - Returns: the number of questions embedded.
    public static func reembed(store: QuestionStore, model: StoredModel, batchSize: Int = 512, workers: Int = 1,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let copy = try store.stageCopy(ofModel: model.id)
        do {
            return try embedAllAndSwap(store: store, runID: copy, model: model.model, name: model.name,
                                       replacing: model.id, batchSize: batchSize, workers: workers, progress: progress)
        } catch {
            try? store.discardTraining(runID: copy)
            throw error
        }
    }

    /// Embeds every stored question with the unfinished run `runID` (whose weights are `model`), then swaps it
    /// in for `name` (see `QuestionStore.finishTraining`). The caller discards the run when this throws.
    static func embedAllAndSwap(store: QuestionStore, runID: Int64, model: SiameseModel, name: String,
                                replacing: Int64?, batchSize: Int, workers: Int,
                                progress: (Int, Int) -> Void) throws -> Int {
        let run = StoredModel(id: runID, name: name, model: model, threshold: nil, createdAt: Date(), epochs: [])
        let indexer = Indexer(store: store, model: run, batchSize: batchSize, workers: workers)
        var embedded = 0
        for round in 1...rounds {
            embedded += try indexer.embedMissing(progress: progress)
            if try store.finishTraining(runID: runID, name: name, replacing: replacing, onlyIfComplete: round < rounds) {
                break
            }
        }
        return embedded
    }
}
