import Foundation
import SiameseNet

/// One-shot matching: finds the stored questions most similar to new ones, by a dot-product scan over
/// the unit vectors of one model. Loads the model and all its vectors once; then each query costs one
/// encoder pass and one scan.
public struct QuestionSearch: Sendable {
    public let store: QuestionStore
    public let model: StoredModel
    public let matrix: EmbeddingMatrix

    /// A stored question found for a query.
    public struct Match: Sendable, Equatable {
        public var questionID: Int64
        public var text: String
        public var externalID: String?
        /// Cosine similarity to the query.
        public var score: Float
        /// Whether the score reaches the model's calibrated duplicate threshold (false when it has none).
        public var isDuplicate: Bool
    }

    /// - Throws: `IndexError.noModel`/`.modelNotFound`, or `SearchError.nothingIndexed` when the model has no vectors.
    public init(store: QuestionStore, modelName: String?) throws {
        self.store = store
        model = try store.loadModel(name: modelName)
        matrix = try store.embeddingMatrix(modelID: model.id)
        guard matrix.count > 0 else { throw SearchError.nothingIndexed(path: store.path, model: model.name) }
    }

    /// The `k` best matches of each query, best first, ties broken by smaller question id.
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    /// - Complexity: O(m · (L·d² + N·d + N·log k)) for m queries of L tokens over N stored questions.
    public func search(_ queries: [String], k: Int) throws -> [[Match]] {
        guard !queries.isEmpty else { return [] }
        let vectors: [Float]
        do {
            vectors = try model.model.encode(queries)
        } catch let EncoderError.emptyQuestion(index) {
            throw SearchError.noWords(index: index, text: queries[index])
        }
        let hits = matrix.search(queries: vectors, k: k)
        let questions = try store.questions(ids: Array(Set(hits.joined().map(\.questionID))))
        let threshold = model.threshold
        return hits.map { row in
            row.map { hit in
                let question = questions[hit.questionID]
                return Match(questionID: hit.questionID, text: question?.text ?? "", externalID: question?.externalID,
                             score: hit.score, isDuplicate: threshold.map { hit.score >= $0 } ?? false)
            }
        }
    }
}

/// Errors of a search a user can act on.
public enum SearchError: Error, Equatable, CustomStringConvertible {
    case nothingIndexed(path: String, model: String)
    /// Query `index` (0-based) has no words: empty, or only punctuation and symbols.
    case noWords(index: Int, text: String)

    public var description: String {
        switch self {
        case .nothingIndexed(let path, let model):
            return "no questions are indexed in \(path) for model \"\(model)\"; run `siamese index FILE` first"
        case .noWords(_, let text):
            return "the question \"\(text)\" has no words to match"
        }
    }
}
