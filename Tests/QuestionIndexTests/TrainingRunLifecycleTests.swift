import Foundation
import Testing
import SiameseNet
@testable import QuestionIndex

/// A training run writes its model beside the one it replaces and swaps it in at the end (`ModelTraining`,
/// `QuestionStore.finishTraining`): readers never see a half-trained model, a failed or overtaken run changes
/// nothing, and a process still writing vectors for the replaced model is stopped instead of mixing them in.
@Suite struct TrainingRunLifecycleTests {
    /// A small run of `name`; `duringSecondEpoch` is called at its first batch, when the run's model of epoch 1
    /// is saved.
    func run(name: String = "faq", replacesExisting: Bool = true,
             duringSecondEpoch: @escaping () -> Void = {}) -> (QuestionStore) throws -> ModelTraining.Outcome {
        { store in
            var config = ModelConfig()
            config.dimension = 8
            config.batchSize = 8
            config.epochs = 2
            let pairs = (0..<40).map { i in
                QuestionPair(question1: "how do i change my thing \(i)?", question2: "where do i change thing \(i)?",
                             isDuplicate: true, line: i + 2)
            }
            var training = ModelTraining(modelName: name, config: config)
            training.replacesExisting = replacesExisting
            return try training
                .run(store: store, trainingSet: TrainingSet(pairs: pairs, config: config), progress: { progress in
                    if progress.epoch == 2 && progress.step == 1 { duringSecondEpoch() }
                })
        }
    }

    @Test func whileARunTrainsCommandsSeeTheOldModelAndNoSecondOne() throws {
        try withStore { store, _ in
            BLAS.setThreadCount(1)
            let old = try store.saveModel(name: "faq", model: tinyModel(seed: 1), threshold: 0.5)
            var names: [String] = [], loaded: Int64?, unfinished: [String] = []
            _ = try run(duringSecondEpoch: {
                names = (try? store.modelSummaries().map(\.name)) ?? []
                loaded = try? store.loadModel().id
                unfinished = (try? store.unfinishedTrainingRuns().map(\.target)) ?? []
            })(store)
            #expect(names == ["faq"])
            #expect(loaded == old)
            #expect(unfinished == ["faq"])
            let new = try #require(try store.readyModelID(name: "faq"))
            #expect(new != old)
            #expect(try store.modelSummaries().map(\.name) == ["faq"])
            #expect(try store.unfinishedTrainingRuns().isEmpty)
        }
    }

    @Test func aModelCreatedUnderTheNameDuringTheRunIsKeptAndTheRunDiscarded() throws {
        try withStore { store, path in
            BLAS.setThreadCount(1)
            let other = tinyModel(seed: 5)
            #expect(throws: IndexError.modelChangedDuringTraining(path: path, name: "faq", created: true)) {
                _ = try run(duringSecondEpoch: { _ = try? store.saveModel(name: "faq", model: other) })(store)
            }
            let stored = try store.loadModel(name: "faq")
            #expect(stored.model.encoder.weights == other.encoder.weights)
            #expect(try store.unfinishedTrainingRuns().isEmpty)
            #expect(try store.modelSummaries().count == 1)
        }
    }

    /// A run that may not replace (`train` without `--force`, after checking the name free) is refused when a
    /// model of its name exists at its end, even one that was there before the run read anything: two `train`
    /// of one new name, the second descheduled between its check and its start while the first finished, both
    /// saved before (the first silently replaced).
    @Test func aRunThatMayNotReplaceIsRefusedByAModelOfItsNameFromBeforeItStarted() throws {
        try withStore { store, path in
            BLAS.setThreadCount(1)
            let first = tinyModel(seed: 3)
            try store.saveModel(name: "faq", model: first)
            #expect(throws: IndexError.modelChangedDuringTraining(path: path, name: "faq", created: true)) {
                _ = try run(replacesExisting: false)(store)
            }
            #expect(try store.loadModel(name: "faq").model.encoder.weights == first.encoder.weights)
            #expect(try store.unfinishedTrainingRuns().isEmpty)
            // Allowed to replace (--force), the same run takes the name.
            _ = try run(replacesExisting: true)(store)
            #expect(try store.loadModel(name: "faq").model.encoder.weights != first.encoder.weights)
        }
    }

    @Test func aModelReplacedDuringTheRunIsKeptAndTheRunDiscarded() throws {
        try withStore { store, path in
            BLAS.setThreadCount(1)
            try store.saveModel(name: "faq", model: tinyModel(seed: 1))
            let newer = tinyModel(seed: 9)
            #expect(throws: IndexError.modelChangedDuringTraining(path: path, name: "faq", created: false)) {
                _ = try run(duringSecondEpoch: {
                    try? store.deleteModel(name: "faq")
                    _ = try? store.saveModel(name: "faq", model: newer)
                })(store)
            }
            #expect(try store.loadModel(name: "faq").model.encoder.weights == newer.encoder.weights)
            #expect(try store.unfinishedTrainingRuns().isEmpty)
        }
    }

    @Test func vectorsOfTheReplacedModelCannotBeWrittenAfterTheSwap() throws {
        try withStore { store, path in
            BLAS.setThreadCount(1)
            try store.saveModel(name: "faq", model: tinyModel(seed: 1))
            let before = try store.loadModel(name: "faq")
            _ = try store.addQuestions([(text: "how do i reset my password", externalID: nil)], source: "t")
            let question = try #require(try store.questionsWithoutEmbedding(modelID: before.id, limit: 1).first)
            let vector = try before.model.encode([question.text])
            _ = try run()(store)  // an `index` still holding `before` would now write its next batch
            #expect(throws: IndexError.modelIDNotFound(path: path, id: before.id)) {
                try store.storeEmbeddings(modelID: before.id, questionIDs: [question.id], vectors: vector)
            }
        }
    }

    @Test func unfinishedRunsAreListedAndNeverUsed() throws {
        try withStore { store, _ in
            let record = TrainingEpochRecord(epoch: 1, loss: 0.5, pairsPerSecond: 100, seconds: 1)
            try store.saveEpoch(name: "faq (training run 1234)", model: tinyModel(), epoch: record, trainingFor: "faq")
            #expect(throws: IndexError.self) { try store.loadModel() }
            #expect(try store.modelSummaries().isEmpty)
            let runs = try store.unfinishedTrainingRuns()
            #expect(runs.map(\.target) == ["faq"])
            #expect(runs.first?.savedAt != nil)
        }
    }
}
