import Foundation
import SiameseNet

/// Measures match quality on labelled pairs: the work of `siamese eval`.
///
/// Two parts: pair metrics (how well the cosine separates the file's duplicate and non-duplicate rows) and
/// retrieval metrics under the protocol of `RetrievalTask`, for the model, for SQLite FTS5 BM25 over the same
/// corpus, and optionally for their fusion. Nothing is written anywhere: the corpus lives in memory and the
/// BM25 index in a private in-memory database.
public enum Evaluation {
    /// How to run an evaluation: the retrieval cut-off, whether to measure fusion, and the work split.
    public struct Options: Sendable {
        /// The cut-off of recall@k and MRR@k.
        public var k: Int = 10
        /// Also measure the fusion of BM25 and the embedding scores.
        public var hybrid = false
        /// How BM25 and embedding scores are fused when `hybrid` is on.
        public var fusion: Fusion = .standard
        /// Threads for encoding (batches in parallel).
        public var workers = 1
        /// Questions encoded per batch.
        public var batchSize = 512
        /// Queries scanned per block of the embedding search.
        public var queryBlock = 512
        /// BM25 leaves out of a query the words in more than this fraction of the corpus (1: none).
        public var commonWordFraction = FullTextQuery.commonWordFraction

        /// Options with `batchSize`, `queryBlock` and `commonWordFraction` at their defaults.
        /// - Precondition: `k` ≥ 1 and `workers` ≥ 1.
        public init(k: Int = 10, hybrid: Bool = false, fusion: Fusion = .standard, workers: Int = 1) {
            precondition(k >= 1 && workers >= 1)
            self.k = k
            self.hybrid = hybrid
            self.fusion = fusion
            self.workers = workers
        }
    }

    /// The long phases, reported to `progress`.
    public enum Phase: String, Sendable {
        case scoringPairs = "scoring pairs"
        case encodingCorpus = "encoding corpus"
        case searchingEmbeddings = "embedding search"
        case searchingKeywords = "BM25 search"
    }

    /// Retrieval results under the protocol of `RetrievalTask`.
    public struct Retrieval: Sendable {
        /// Queries asked (`RetrievalTask.queries`).
        public var queries: Int
        /// Documents searched (`RetrievalTask.documents`).
        public var corpus: Int
        /// Questions left out of the corpus because they have no words.
        public var questionsWithoutWords: Int
        /// Queries dropped because every other member of their group has their words.
        public var queriesWithoutRelevant: Int
        /// The model's embedding search.
        public var model: RetrievalMetrics
        /// SQLite FTS5 `bm25()` over the same corpus.
        public var keyword: RetrievalMetrics
        /// The fusion of both, when asked for.
        public var hybrid: RetrievalMetrics?
        /// The fusion measured, when `hybrid` is set.
        public var fusion: Fusion?
        /// The BM25 queries left out words in more than this fraction of the corpus.
        public var commonWordFraction: Double
        /// Wall-clock seconds of each phase.
        public var encodingSeconds: Double
        /// Searching the corpus's vectors for every query.
        public var embeddingSearchSeconds: Double
        /// Building the FTS5 index.
        public var keywordIndexSeconds: Double
        /// Running every query through FTS5.
        public var keywordSearchSeconds: Double
        /// Fusing the two result lists, when measured.
        public var hybridSeconds: Double?
    }

    /// The results of `run`: pair metrics and retrieval metrics of one model on one pair file.
    public struct Report: Sendable {
        /// Rows of the pair file scored (a label and words on both sides).
        public var labelledPairs: Int
        /// Rows without a label or without words on a side.
        public var skippedPairs: Int
        /// How well the cosine separates the scored pairs' duplicates from their non-duplicates.
        public var pairs: PairMetrics
        /// Distinct questions of the scored pairs with some word unknown to the model, and with no known word
        /// (their pairs are never called duplicates).
        public var questionsWithUnknownWords: Int
        /// Distinct questions of the scored pairs with no word known to the model.
        public var questionsWithoutKnownWords: Int
        /// Retrieval metrics of the model, BM25 and (when asked for) their fusion.
        public var retrieval: Retrieval
    }

    /// Evaluates `model` on `pairs`, with `distractors` added to the retrieval corpus.
    /// - Parameters:
    ///   - threshold: the model's calibrated duplicate threshold, if any.
    ///   - progress: (phase, done, total) during the long phases.
    /// - Throws: `EvaluationError.noQueries` when the pair file has no duplicate rows to retrieve.
    public static func run(model: SiameseModel, threshold: Float?, pairs: [QuestionPair],
                           distractors: [[SourceQuestion]] = [], options: Options = Options(),
                           progress: (Phase, Int, Int) -> Void = { _, _, _ in }) throws -> Report {
        // Cheap, and it finds a file with nothing to retrieve before any encoding.
        let task = RetrievalTask(pairs: pairs, distractors: distractors)
        guard !task.queries.isEmpty else { throw EvaluationError.noQueries }

        progress(.scoringPairs, 0, pairs.count)
        let scored = try LabelledScores(model: model, pairs: pairs, batchSize: options.batchSize,
                                        workers: options.workers)
        progress(.scoringPairs, pairs.count, pairs.count)
        // A pair with a side of unknown words only is never called a duplicate, whatever its score.
        var knownWords: [Bool] = [], withUnknownWords = 0, withoutKnownWords = 0
        var seen = Set<String>()
        for pair in scored.pairs {
            let sides = [pair.question1, pair.question2].map(model.coverage(of:))
            knownWords.append(sides.allSatisfy(\.hasKnownWords))
            for (text, coverage) in zip([pair.question1, pair.question2], sides) where seen.insert(text).inserted {
                if coverage.unknownWords > 0 { withUnknownWords += 1 }
                if !coverage.hasKnownWords { withoutKnownWords += 1 }
            }
        }
        let pairMetrics = PairMetrics(scores: scored.scores, labels: scored.labels, modelThreshold: threshold,
                                      eligible: knownWords)

        let retrieval = try retrieve(task, model: model, options: options, progress: progress)
        return Report(labelledPairs: scored.scores.count, skippedPairs: pairs.count - scored.scores.count,
                      pairs: pairMetrics, questionsWithUnknownWords: withUnknownWords,
                      questionsWithoutKnownWords: withoutKnownWords, retrieval: retrieval)
    }

    /// Runs the retrieval protocol for the model, BM25 and (when asked) their fusion.
    public static func retrieve(_ task: RetrievalTask, model: SiameseModel, options: Options = Options(),
                                progress: (Phase, Int, Int) -> Void = { _, _, _ in }) throws -> Retrieval {
        let k = options.k
        let depth = options.hybrid ? max(k, Fusion.candidates) : k
        let relevant = task.queries.map(\.relevant)

        // The model: encode the corpus once; each query is its own document's vector.
        var clock = Date()
        let d = model.dimension
        var vectors: [Float] = []
        vectors.reserveCapacity(task.documents.count * d)
        let chunk = options.batchSize * options.workers * 4
        progress(.encodingCorpus, 0, task.documents.count)
        for start in stride(from: 0, to: task.documents.count, by: chunk) {
            let end = min(start + chunk, task.documents.count)
            vectors += try model.encode(Array(task.documents[start..<end]), batchSize: options.batchSize,
                                        workers: options.workers)
            progress(.encodingCorpus, end, task.documents.count)
        }
        let encodingSeconds = Date().timeIntervalSince(clock)

        clock = Date()
        let matrix = EmbeddingMatrix(dimension: d, ids: (0..<Int64(task.documents.count)).map { $0 }, vectors: vectors)
        var embeddingHits: [[Fusion.Scored]] = []
        embeddingHits.reserveCapacity(task.queries.count)
        progress(.searchingEmbeddings, 0, task.queries.count)
        for start in stride(from: 0, to: task.queries.count, by: options.queryBlock) {
            let block = task.queries[start..<min(start + options.queryBlock, task.queries.count)]
            var queryVectors: [Float] = []
            queryVectors.reserveCapacity(block.count * d)
            for query in block { queryVectors += vectors[(query.document * d)..<((query.document + 1) * d)] }
            let hits = matrix.search(queries: queryVectors, k: depth + 1)
            for (query, row) in zip(block, hits) {
                embeddingHits.append(Array(row.lazy.filter { $0.questionID != Int64(query.document) }
                    .prefix(depth).map { (id: $0.questionID, score: Double($0.score)) }))
            }
            progress(.searchingEmbeddings, start + block.count, task.queries.count)
        }
        let embeddingSearchSeconds = Date().timeIntervalSince(clock)
        let modelMetrics = RetrievalMetrics(rankings: embeddingHits.map { $0.map { Int($0.id) } }, relevant: relevant, k: k)

        // BM25 over the same corpus.
        clock = Date()
        progress(.searchingKeywords, 0, task.queries.count)
        let keywordIndex = try KeywordIndex(documents: task.normalizedDocuments, replicas: options.workers)
        let keywordIndexSeconds = Date().timeIntervalSince(clock)
        clock = Date()
        let keywordHits = try keywordIndex.search(
            task.queries.map { (text: task.normalizedDocuments[$0.document], excluding: $0.document) }, k: depth,
            commonWordFraction: options.commonWordFraction
        ) { done, total in progress(.searchingKeywords, done, total) }
        let keywordSearchSeconds = Date().timeIntervalSince(clock)
        let keywordMetrics = RetrievalMetrics(rankings: keywordHits.map { $0.map { Int($0.id) } }, relevant: relevant, k: k)

        var hybrid: RetrievalMetrics?, hybridSeconds: Double?
        if options.hybrid {
            clock = Date()
            let fused = vectors.withUnsafeBufferPointer { v in
                zip(task.queries, zip(embeddingHits, keywordHits)).map { query, hits in
                    let q = query.document * d
                    let ranking = options.fusion.fuse(embedding: hits.0, keyword: hits.1) { id in
                        let row = Int(id) * d
                        var dot: Float = 0
                        for i in 0..<d { dot += v[q + i] * v[row + i] }
                        return Double(dot)
                    }
                    return ranking.prefix(k).map { Int($0.id) }
                }
            }
            hybrid = RetrievalMetrics(rankings: fused, relevant: relevant, k: k)
            hybridSeconds = Date().timeIntervalSince(clock)
        }
        return Retrieval(queries: task.queries.count, corpus: task.documents.count,
                         questionsWithoutWords: task.questionsWithoutWords,
                         queriesWithoutRelevant: task.queriesWithoutRelevant, model: modelMetrics,
                         keyword: keywordMetrics, hybrid: hybrid, fusion: options.hybrid ? options.fusion : nil,
                         commonWordFraction: options.commonWordFraction,
                         encodingSeconds: encodingSeconds, embeddingSearchSeconds: embeddingSearchSeconds,
                         keywordIndexSeconds: keywordIndexSeconds, keywordSearchSeconds: keywordSearchSeconds,
                         hybridSeconds: hybridSeconds)
    }
}

/// Errors of an evaluation a user can act on.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    /// The pair file has no rows labelled is_duplicate = 1 with words on both sides, so nothing to retrieve.
    case noQueries

    /// A one-line message for the user.
    public var description: String {
        switch self {
        case .noQueries: return "no duplicate pairs (is_duplicate = 1) with words on both sides to retrieve"
        }
    }
}
