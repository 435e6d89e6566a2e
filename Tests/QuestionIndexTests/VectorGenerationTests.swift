import Foundation
import Testing
import SiameseNet
@testable import QuestionIndex

/// Readers see one generation of a model's vectors: a re-embedding or a retrain fills a new model beside the
/// old one and swaps it in whole (`ModelSwap`), so a query in the middle answers exactly as before.
@Suite struct VectorGenerationTests {
    static let texts = (0..<60).map { "how do i reset my password number \($0)?" }
        + ["what is a password", "how to cook rice", "how do i cook rice"]

    /// A store with the tiny model "faq" and every text embedded; the query answers before anything changes.
    func indexedStore(_ body: (QuestionStore, StoredModel, [[QuestionSearch.Match]]) throws -> Void) throws {
        try withStore { store, _ in
            BLAS.setThreadCount(1)
            try store.saveModel(name: "faq", model: tinyModel(seed: 3), threshold: 0.5)
            _ = try store.addQuestions(Self.texts.map { ($0, nil) }, source: "t")
            let model = try store.loadModel(name: "faq")
            _ = try Indexer(store: store, model: model, batchSize: 8).embedMissing()
            let before = try QuestionSearch(store: store, modelName: nil).search(["how do i cook rice"], k: 5)
            try body(store, model, before)
        }
    }

    @Test func aQueryDuringAReembeddingSeesTheWholeOldGeneration() throws {
        try indexedStore { store, model, before in
            var during: [[[QuestionSearch.Match]]] = [], counts: [Int] = []
            let embedded = try ModelSwap.reembed(store: store, model: model, batchSize: 8) { _, _ in
                counts.append((try? store.embeddingCount(modelID: model.id)) ?? -1)
                during.append((try? QuestionSearch(store: store, modelName: nil).search(["how do i cook rice"], k: 5)) ?? [])
            }
            #expect(embedded == Self.texts.count)
            #expect(during.count == 8)  // 63 questions in batches of 8: the query ran between every batch
            #expect(during.allSatisfy { $0 == before })
            #expect(counts.allSatisfy { $0 == Self.texts.count })
            // Afterwards: the same model under a new id, every vector present, the same answers.
            let swapped = try store.loadModel(name: "faq")
            #expect(swapped.id != model.id && swapped.threshold == model.threshold)
            #expect(try store.embeddingCount(modelID: swapped.id) == Self.texts.count)
            #expect(try QuestionSearch(store: store, modelName: nil).search(["how do i cook rice"], k: 5) == before)
            #expect(try store.unfinishedTrainingRuns().isEmpty)
        }
    }

    @Test func questionsAddedDuringAReembeddingAreEmbeddedBeforeTheSwap() throws {
        try indexedStore { store, model, _ in
            var added = false
            _ = try ModelSwap.reembed(store: store, model: model, batchSize: 8) { _, _ in
                guard !added else { return }
                added = true
                // Another `index` adds a question and embeds it with the model it sees: the old one.
                let id = try! store.addQuestions([("where can i buy rice", nil)], source: "u").added[0]
                try! store.storeEmbeddings(modelID: model.id, questionIDs: [id],
                                           vectors: try! model.model.encode(["where can i buy rice"]))
            }
            let swapped = try store.loadModel(name: "faq")
            #expect(try store.embeddingCount(modelID: swapped.id) == Self.texts.count + 1)
            #expect(try store.questionsWithoutEmbeddingCount(modelID: swapped.id) == 0)
        }
    }

    @Test func aRetrainEmbedsTheStoredQuestionsBeforeItReplacesTheModel() throws {
        try indexedStore { store, model, before in
            var config = ModelConfig()
            config.dimension = 8
            config.batchSize = 8
            config.epochs = 1
            let pairs = (0..<40).map { i in
                QuestionPair(question1: "how do i change my thing \(i)?", question2: "where do i change thing \(i)?",
                             isDuplicate: true, line: i + 2)
            }
            var during: [[[QuestionSearch.Match]]] = []
            let outcome = try ModelTraining(modelName: "faq", config: config)
                .run(store: store, trainingSet: TrainingSet(pairs: pairs, config: config), embeddingProgress: { _, _ in
                    during.append((try? QuestionSearch(store: store, modelName: nil).search(["how do i cook rice"], k: 5)) ?? [])
                })
            #expect(!during.isEmpty && during.allSatisfy { $0 == before })
            let new = try store.loadModel(name: "faq")
            #expect(new.id == outcome.modelID && new.id != model.id)
            #expect(try store.embeddingCount(modelID: new.id) == Self.texts.count)
        }
    }
}
