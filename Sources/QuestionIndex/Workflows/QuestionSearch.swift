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
        /// The fused score it was ranked by, in a hybrid search; nil in an embedding search.
        public var fusedScore: Double? = nil
    }

    /// - Throws: `IndexError.noModel`/`.modelNotFound`, or `SearchError.nothingIndexed` when the model has no vectors.
    public init(store: QuestionStore, modelName: String?) throws {
        self.store = store
        (model, matrix) = try store.loadModelWithVectors(name: modelName)
        guard matrix.count > 0 else { throw SearchError.nothingIndexed(path: store.path, model: model.name) }
    }

    /// The `k` best matches of each query, best first, ties broken by smaller question id.
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    /// - Complexity: O(m · (L·d² + N·d + N·log k)) for m queries of L tokens over N stored questions.
    public func search(_ queries: [String], k: Int) throws -> [[Match]] {
        guard !queries.isEmpty else { return [] }
        let vectors = try encode(queries)
        let hits = matrix.search(queries: vectors, k: k)
        return try matches(hits.map { row in row.map { ($0, nil) } }, queries: queries)
    }

    /// The `k` best matches of each query by a fusion of the embedding scan and BM25 over the full-text index
    /// (`QuestionStore.keywordSearch`), best first: each side contributes its top `Fusion.candidates`, as in
    /// `siamese eval --hybrid`. A match's `score` is still its cosine (so `isDuplicate` keeps its meaning);
    /// `fusedScore` is what it was ranked by. Questions without a vector under the model are left out.
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    public func hybridSearch(_ queries: [String], k: Int, fusion: Fusion = .standard) throws -> [[Match]] {
        guard !queries.isEmpty else { return [] }
        let vectors = try encode(queries)
        let d = matrix.dimension
        let depth = max(k, Fusion.candidates)
        let embeddingHits = matrix.search(queries: vectors, k: depth)
        var fused: [[(SearchHit, Double?)]] = []
        for (index, query) in queries.enumerated() {
            let keyword = try store.keywordSearch(query, k: depth).filter { row(of: $0.id) != nil }
            let queryVector = vectors[(index * d)..<((index + 1) * d)]
            let cosine: (Int64) -> Double = { id in
                guard let row = self.row(of: id) else { return -1 }
                var dot: Float = 0
                for (i, value) in queryVector.enumerated() { dot += value * self.matrix.vectors[row * d + i] }
                return Double(dot)
            }
            let ranking = fusion.fuse(embedding: embeddingHits[index].map { (id: $0.questionID, score: Double($0.score)) },
                                      keyword: keyword, cosine: cosine)
            fused.append(ranking.prefix(k).map { (SearchHit(questionID: $0.id, score: Float(cosine($0.id))), $0.score) })
        }
        return try matches(fused, queries: queries)
    }

    /// The matrix row of a question id (rows are ordered by id).
    private func row(of id: Int64) -> Int? {
        var low = 0, high = matrix.ids.count
        while low < high {
            let middle = (low + high) / 2
            if matrix.ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < matrix.ids.count && matrix.ids[low] == id ? low : nil
    }

    /// The unit vectors of `queries`, [count, d].
    /// - Throws: `SearchError.noWords(index:)` when a query has no words.
    private func encode(_ queries: [String]) throws -> [Float] {
        do {
            return try model.model.encode(queries)
        } catch let EncoderError.emptyQuestion(index) {
            throw SearchError.noWords(index: index, text: queries[index])
        }
    }

    /// How many words of `query` the model knows: a query none of whose words (nor sub-words) it has seen
    /// is never marked a duplicate, whatever its score — `<UNK>`s alone look alike to the encoder.
    public func coverage(of query: String) -> WordCoverage { model.model.coverage(of: query) }

    private func matches(_ hits: [[(hit: SearchHit, fused: Double?)]], queries: [String]) throws -> [[Match]] {
        let questions = try store.questions(ids: Array(Set(hits.joined().map(\.hit.questionID))))
        let threshold = model.threshold
        return zip(hits, queries).map { row, query in
            let known = coverage(of: query).hasKnownWords
            return row.map { hit, fused in
                let question = questions[hit.questionID]
                return Match(questionID: hit.questionID, text: question?.text ?? "", externalID: question?.externalID,
                             score: hit.score, isDuplicate: known && (threshold.map { hit.score >= $0 } ?? false),
                             fusedScore: fused)
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
            return "no questions are indexed in \(path) for model \"\(model)\"; add some with `siamese index --db \(path.shellQuoted) --model \(model.shellQuoted) FILE`"
        case .noWords(_, let text):
            return "the question \"\(text)\" has no words to match"
        }
    }
}
