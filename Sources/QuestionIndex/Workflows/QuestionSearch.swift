import Foundation
import SiameseNet

/// One-shot matching: finds the stored questions most similar to new ones, by an exact dot-product scan over
/// the unit vectors of one model. Loads the model and the compact copy of its vectors once
/// (`QuestionStore.withCompactSnapshot`: int8 rows, about a quarter of the Float32 bytes); then each search
/// costs one encoder pass, one scan of the compact copy and the Float32 rows of its few candidates, fetched by
/// id from the same database snapshot. The answers are exactly a Float32 scan's (`EmbeddingMatrix.search(_:k:)`).
public struct QuestionSearch: Sendable {
    /// The index searched.
    public let store: QuestionStore
    /// The model whose vectors are searched (and that encodes the queries): the one named when the search was
    /// made, or the model that replaced it under that name since (a retrain or a re-embedding swapped in).
    public var model: StoredModel { state.current.model }
    /// The name given to `init` (nil: the index's default model), to find a model that replaced it.
    private let modelName: String?
    /// The model and the compact copy last read, reused while the database does not change (a search after a
    /// change reads the new copy while the old one is still held: twice the copy's memory for that moment).
    private let state: SearchState

    /// A stored question found for a query.
    public struct Match: Sendable, Equatable {
        /// The stored question's id.
        public var questionID: Int64
        /// Its text, as stored.
        public var text: String
        /// The id it had in its source file, if any.
        public var externalID: String?
        /// Cosine similarity to the query.
        public var score: Float
        /// Whether the score reaches the model's calibrated duplicate threshold (false when it has none).
        public var isDuplicate: Bool
        /// The fused score it was ranked by, in a hybrid search; nil in an embedding search.
        public var fusedScore: Double? = nil
    }

    /// Loads the model and the compact copy of its vectors (both again if the model is swapped meanwhile).
    /// - Throws: `IndexError.noModel`/`.modelNotFound`, or `SearchError.nothingIndexed` when the model has no vectors.
    public init(store: QuestionStore, modelName: String?) throws {
        self.store = store
        self.modelName = modelName
        let (model, embeddings) = try store.loadModelWithCompactCopy(name: modelName)
        guard embeddings.count > 0 else { throw SearchError.nothingIndexed(path: store.path, model: model.name) }
        state = SearchState(model: model, embeddings: embeddings)
    }

    /// The `k` best matches of each query, best first, ties broken by smaller question id; the scores are
    /// exactly `EmbeddingMatrix.search(_:k:)`'s. Searches the index as it is now: a copy read earlier is read
    /// again if the database changed since.
    /// - Throws: `SearchError.noWords(index:)` when a query has no words; `IndexError` when the index cannot be read.
    /// - Complexity: O(m · (L·d² + N·d) + c·d) for m queries of L tokens over N stored questions, c of them
    ///   re-scored in Float32 (typically a few dozen per query).
    public func search(_ queries: [String], k: Int) throws -> [[Match]] {
        guard !queries.isEmpty else { return [] }
        let (model, hits) = try withSnapshot(encoding: queries) { snapshot, vectors in
            try snapshot.search(queries: vectors, k: k)
        }
        return try matches(hits.map { row in row.map { ($0, nil) } }, queries: queries, model: model)
    }

    /// The `k` best matches of each query by a fusion of the embedding scan and BM25 over the full-text index
    /// (`QuestionStore.keywordSearch`), best first: each side contributes its top `Fusion.candidates`, as in
    /// `siamese eval --hybrid`. A match's `score` is still its cosine (so `isDuplicate` keeps its meaning);
    /// `fusedScore` is what it was ranked by. Questions without a vector under the model are left out.
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    public func hybridSearch(_ queries: [String], k: Int, fusion: Fusion = .standard) throws -> [[Match]] {
        guard !queries.isEmpty else { return [] }
        let depth = max(k, Fusion.candidates)
        let keywordHits = try queries.map { try store.keywordSearch($0, k: depth) }
        let (model, fused) = try withSnapshot(encoding: queries) { snapshot, vectors -> [[(SearchHit, Double?)]] in
            let d = vectors.count / queries.count
            let embeddingHits = try snapshot.search(queries: vectors, k: depth)
            // The Float32 rows of every candidate of either side, for their cosines.
            let rows = try snapshot.vectors(questionIDs: embeddingHits.joined().map(\.questionID)
                                                + keywordHits.joined().map(\.id))
            let position = Dictionary(uniqueKeysWithValues: rows.ids.enumerated().map { ($0.element, $0.offset) })
            return zip(embeddingHits, keywordHits).enumerated().map { index, sides in
                let query = Array(vectors[(index * d)..<((index + 1) * d)])
                let cosine: (Int64) -> Double = { id in
                    guard let row = position[id] else { return -1 }
                    return Double(rows.score(row: row, query: query))
                }
                let ranking = fusion.fuse(embedding: sides.0.map { (id: $0.questionID, score: Double($0.score)) },
                                          keyword: sides.1.filter { position[$0.id] != nil }, cosine: cosine)
                return ranking.prefix(k).map { (SearchHit(questionID: $0.id, score: Float(cosine($0.id))), $0.score) }
            }
        }
        return try matches(fused, queries: queries, model: model)
    }

    /// Encodes `queries` with the current model and runs `body` on a snapshot of that model's vectors, reusing
    /// the cached compact copy while it is current. When the model was swapped for a new one since (its vectors
    /// are gone), loads the new one with its copy and encodes again.
    /// - Returns: the model the queries were encoded with, and what `body` returned.
    private func withSnapshot<T>(encoding queries: [String], _ body: (CompactSnapshot, [Float]) throws -> T)
        throws -> (StoredModel, T)
    {
        for attempt in 1... {
            let current = state.current
            let vectors = try encode(queries, with: current.model)
            do {
                let result = try store.withCompactSnapshot(modelID: current.model.id, reusing: current.embeddings) {
                    state.current = (current.model, $0.embeddings)
                    return try body($0, vectors)
                }
                return (current.model, result)
            } catch {
                guard case .modelIDNotFound = error, attempt < QuestionStore.modelSwapRetries else { throw error }
            }
            let replacement = try store.loadModelWithCompactCopy(name: modelName)
            state.current = (replacement.model, replacement.compact)
        }
        preconditionFailure("unreachable")
    }

    /// The unit vectors of `queries`, [count, d].
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    private func encode(_ queries: [String], with model: StoredModel) throws -> [Float] {
        do {
            return try model.model.encode(queries)
        } catch let EncoderError.emptyQuestion(index) {
            throw SearchError.noWords(index: index, text: queries[index])
        }
    }

    /// How many words of `query` the model knows: a query none of whose words (nor sub-words) it has seen
    /// is never marked a duplicate, whatever its score — `<UNK>`s alone look alike to the encoder.
    public func coverage(of query: String) -> WordCoverage { model.model.coverage(of: query) }

    private func matches(_ hits: [[(hit: SearchHit, fused: Double?)]], queries: [String],
                         model: StoredModel) throws -> [[Match]] {
        let questions = try store.questions(ids: Array(Set(hits.joined().map(\.hit.questionID))))
        let threshold = model.threshold
        return zip(hits, queries).map { row, query in
            let known = model.model.coverage(of: query).hasKnownWords
            return row.map { hit, fused in
                let question = questions[hit.questionID]
                return Match(questionID: hit.questionID, text: question?.text ?? "", externalID: question?.externalID,
                             score: hit.score, isDuplicate: known && (threshold.map { hit.score >= $0 } ?? false),
                             fusedScore: fused)
            }
        }
    }
}

/// The model and compact copy a `QuestionSearch` read last, shared by its copies (the struct is a value; the copy
/// is large and read once).
private final class SearchState: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (model: StoredModel, embeddings: CompactEmbeddings)

    init(model: StoredModel, embeddings: CompactEmbeddings) { stored = (model, embeddings) }

    var current: (model: StoredModel, embeddings: CompactEmbeddings) {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Errors of a search a user can act on.
public enum SearchError: Error, Equatable, CustomStringConvertible {
    /// The model has no stored vectors: no question of the index was embedded with it.
    case nothingIndexed(path: String, model: String)
    /// Query `index` (0-based) has no words: empty, or only punctuation and symbols.
    case noWords(index: Int, text: String)

    /// The message a user sees, on one line.
    public var description: String {
        switch self {
        case .nothingIndexed(let path, let model):
            return "no questions are indexed in \(path) for model \"\(model)\"; add some with `siamese index --db \(path.shellQuoted) --model \(model.shellQuoted) FILE`"
        case .noWords(_, let text):
            return "the question \"\(text)\" has no words to match"
        }
    }
}
