import Foundation
import Testing
import SiameseNet
@testable import QuestionIndex

/// Match-quality measurement: retrieval metrics, the retrieval protocol, BM25, fusion, pair metrics.
@Suite struct EvaluationTests {
    @Test func retrievalMetricsOfAHandMadeCase() {
        // A: two relevant, found at ranks 2 and 4 (only rank 2 within k = 3). B: found first. C: found at 4 > k.
        let metrics = RetrievalMetrics(rankings: [[5, 1, 3, 2], [7, 8], [1, 2, 3, 9]],
                                       relevant: [[1, 2], [7], [9]], k: 3)
        #expect(metrics.queries == 3 && metrics.k == 3)
        #expect(abs(metrics.recallAt1 - 1.0 / 3) < 1e-12)
        #expect(abs(metrics.recallAtK - (0.5 + 1 + 0) / 3) < 1e-12)
        #expect(abs(metrics.mrrAtK - (0.5 + 1 + 0) / 3) < 1e-12)

        // A query with two relevant questions found at ranks 1 and 2: recall@1 is 1/2, recall@k and MRR 1.
        let group = RetrievalMetrics(rankings: [[4, 5, 6]], relevant: [[4, 5]], k: 10)
        #expect(group.recallAt1 == 0.5 && group.recallAtK == 1 && group.mrrAtK == 1)
    }

    static let pairsByQID = [
        QuestionPair(question1: "alpha beta", question2: "alpha beta gamma", isDuplicate: true, qid1: "1", qid2: "2", line: 2),
        QuestionPair(question1: "delta epsilon", question2: "Delta, epsilon zeta?", isDuplicate: true, qid1: "3", qid2: "4", line: 3),
        QuestionPair(question1: "Delta, epsilon zeta?", question2: "zeta delta eta", isDuplicate: true, qid1: "4", qid2: "5", line: 4),
        QuestionPair(question1: "theta iota", question2: "kappa lambda", isDuplicate: false, qid1: "6", qid2: "7", line: 5),
    ]

    @Test func componentsByQID() {
        let task = RetrievalTask(pairs: Self.pairsByQID,
                                 distractors: [[SourceQuestion(text: "mu nu", line: 1),
                                                SourceQuestion(text: "ALPHA beta!", line: 2)]])
        // Seven questions in the pair file, one new distractor ("ALPHA beta!" has the words of question 1).
        #expect(task.documents == ["alpha beta", "alpha beta gamma", "delta epsilon", "Delta, epsilon zeta?",
                                   "zeta delta eta", "theta iota", "kappa lambda", "mu nu"])
        #expect(task.queries.map(\.text) == ["alpha beta", "alpha beta gamma", "delta epsilon", "Delta, epsilon zeta?",
                                             "zeta delta eta"])
        #expect(task.queries.map(\.relevant) == [[1], [0], [3, 4], [2, 4], [2, 3]])
        #expect(task.queries.map(\.document) == [0, 1, 2, 3, 4])
        #expect(task.queriesWithoutRelevant == 0)
    }

    @Test func componentsByNormalizedTextWithoutQIDs() {
        // No qid columns: "How do I pay?" and "how do i pay" are one question, joining the two rows.
        let pairs = [
            QuestionPair(question1: "How do I pay?", question2: "Which payment methods?", isDuplicate: true, line: 2),
            QuestionPair(question1: "how do i pay", question2: "Can I pay by card?", isDuplicate: true, line: 3),
            QuestionPair(question1: "Where is my order?", question2: "Can I pay by card?", isDuplicate: false, line: 4),
            QuestionPair(question1: "?!", question2: "Can I pay by card?", isDuplicate: true, line: 5),
        ]
        let task = RetrievalTask(pairs: pairs)
        #expect(task.documents == ["How do I pay?", "Which payment methods?", "Can I pay by card?", "Where is my order?"])
        #expect(task.queries.map(\.document) == [0, 1, 2])
        #expect(task.queries.map(\.relevant) == [[1, 2], [0, 2], [0, 1]])
        #expect(task.questionsWithoutWords == 1)
    }

    @Test func queriesWhoseDuplicatesHaveTheirOwnWordsAreDropped() {
        // Different qids, same words: the only relevant document would be the query itself.
        let pairs = [QuestionPair(question1: "How do I pay?", question2: "how do I pay", isDuplicate: true,
                                  qid1: "1", qid2: "2", line: 2)]
        let task = RetrievalTask(pairs: pairs)
        #expect(task.queries.isEmpty)
        #expect(task.queriesWithoutRelevant == 2)
    }

    @Test func bm25IsFTS5sFormulaAndExcludesTheQuery() throws {
        let index = try KeywordIndex(documents: ["a b", "a c d", "e f", "g h"])
        let hits = try index.search([(text: "c", excluding: nil)], k: 10)[0]
        #expect(hits.map(\.id) == [1])
        // BM25 with k1 = 1.2, b = 0.75: idf = ln((N − n + 0.5) / (n + 0.5)), |D| = 3, avgdl = 9/4.
        let idf = log((4 - 1 + 0.5) / (1 + 0.5))
        let expected = idf * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 3 / 2.25))
        #expect(abs(hits[0].score - expected) < 1e-9)

        // "a b" itself is excluded; "a c d" shares one word.
        let excluded = try index.search([(text: "a b", excluding: 0), (text: "zzz", excluding: nil)], k: 10)
        #expect(excluded[0].map(\.id) == [1])
        #expect(excluded[1].isEmpty)
        // More matching words rank higher.
        #expect(try index.search([(text: "e f g", excluding: nil)], k: 1)[0].map(\.id) == [2])
    }

    @Test func bm25LeavesOutWordsOfMostDocumentsUnlessAllAreCommon() throws {
        let index = try KeywordIndex(documents: ["what is x", "what is y", "what rare", "what now", "other words"])
        let frequency = try index.documentFrequency(of: ["what", "rare", "words", "word"])
        #expect(frequency["what"] == 4 && frequency["rare"] == 1)
        // Counted after stemming, as FTS5 matches: "word" and "words" are one term.
        #expect(frequency["words"] == 1 && frequency["word"] == 1)
        // "what" is in 80% of the documents: left out at 0.5, so only "rare" is searched.
        let pruned = try index.search([(text: "what rare", excluding: nil)], k: 10, commonWordFraction: 0.5)[0]
        #expect(pruned.map(\.id) == [2])
        let every = try index.search([(text: "what rare", excluding: nil)], k: 10, commonWordFraction: 1)[0]
        #expect(every.map(\.id).first == 2 && every.count == 4)
        // A query of common words only keeps them all.
        #expect(try index.search([(text: "what", excluding: nil)], k: 10, commonWordFraction: 0.5)[0].count == 4)
    }

    @Test func replicasSearchInParallelWithTheSameResults() throws {
        let documents = (0..<60).map { "word\($0 % 7) other\($0 % 5) item\($0)" }
        let queries = documents.enumerated().map { (text: $0.element, excluding: Optional($0.offset)) }
        let single = try KeywordIndex(documents: documents).search(queries, k: 5, commonWordFraction: 1)
        var reported: [Int] = []
        let parallel = try KeywordIndex(documents: documents, replicas: 3).search(queries, k: 5, commonWordFraction: 1) {
            done, _ in reported.append(done)
        }
        #expect(parallel.map { $0.map(\.id) } == single.map { $0.map(\.id) })
        #expect(parallel.map { $0.map(\.score) } == single.map { $0.map(\.score) })
        #expect(reported.last == 60)
    }

    @Test func reciprocalRankFusionArithmetic() {
        let embedding: [Fusion.Scored] = [(1, 0.9), (2, 0.8), (3, 0.7)]
        let keyword: [Fusion.Scored] = [(3, 5), (4, 2)]
        let fused = Fusion.reciprocalRank.fuse(embedding: embedding, keyword: keyword) { _ in 0.1 }
        // 3: 1/63 + 1/61; 1: 1/61; 2 and 4: 1/62 each, tied, smaller id first.
        #expect(fused.map(\.id) == [3, 1, 2, 4])
        #expect(abs(fused[0].score - (1.0 / 63 + 1.0 / 61)) < 1e-15)
        #expect(abs(fused[1].score - 1.0 / 61) < 1e-15)
        #expect(fused[2].score == 1.0 / 62 && fused[3].score == 1.0 / 62)

        // Convex: cosine + 0.5 · bm25 / 5; question 4 has no embedding candidate score: its cosine, 0.1.
        let convex = Fusion.convex(weight: 0.5).fuse(embedding: embedding, keyword: keyword) { _ in 0.1 }
        #expect(convex.map(\.id) == [3, 1, 2, 4])
        #expect(abs(convex[0].score - 1.2) < 1e-12 && abs(convex[3].score - 0.3) < 1e-12)
    }

    @Test func pairMetricsAtAThresholdAndBestF1() throws {
        let scores: [Float] = [0.9, 0.8, 0.7, 0.6, 0.5]
        let labels = [true, false, true, false, false]
        let metrics = PairMetrics(scores: scores, labels: labels, modelThreshold: 0.65)
        let best = try #require(metrics.bestF1)
        #expect(abs(best.f1 - 0.8) < 1e-12)
        #expect(abs(best.threshold - 0.65) < 1e-6)
        let at = try #require(metrics.atModelThreshold)
        #expect(at.accuracy == 0.8 && at.recall == 1 && at.f1 == 0.8)
        #expect(abs((at.precision ?? 0) - 2.0 / 3) < 1e-12)
        #expect(metrics.rocAUC == 5.0 / 6)
        #expect(PairMetrics(scores: scores, labels: labels, modelThreshold: nil).atModelThreshold == nil)
        // Nothing called a duplicate: no precision.
        #expect(PairMetrics.Classification(scores: scores, labels: labels, threshold: 1).precision == nil)
    }

    @Test func bm25RowOfTheProtocolExcludesEachQueryFromItsResults() throws {
        let model = tinyModel()
        let task = RetrievalTask(pairs: Self.pairsByQID)
        var options = Evaluation.Options(k: 10, hybrid: true)
        options.queryBlock = 2
        let retrieval = try Evaluation.retrieve(task, model: model, options: options)
        #expect(retrieval.queries == 5 && retrieval.corpus == 7)
        // Each query's duplicates share its rarest words: BM25 ranks one of them first (itself excluded,
        // else it would be first). The 3-question group has recall@1 of 1/2 for each of its 3 queries.
        #expect(retrieval.keyword.mrrAtK == 1)
        #expect(retrieval.keyword.recallAtK == 1)
        #expect(abs(retrieval.keyword.recallAt1 - (1 + 1 + 0.5 * 3) / 5) < 1e-12)
        // With 6 other documents and k = 10, every method finds every duplicate.
        for metrics in [retrieval.model, retrieval.hybrid] {
            #expect(metrics?.recallAtK == 1)
            #expect((0...1).contains(metrics?.mrrAtK ?? -1))
        }
    }
}
