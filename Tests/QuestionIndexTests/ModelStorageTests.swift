import Foundation
import GRDB
import SiameseNet
import Testing
@testable import QuestionIndex

@Suite struct ModelStorageTests {
    @Test func modelRoundTripsExactly() throws {
        try withStore { store, path in
            let model = tinyModel()
            let id = try store.saveModel(name: "faq", model: model, threshold: 0.8)
            let reopened = try QuestionStore(path: path, mode: .readOnly)
            let stored = try reopened.loadModel(name: "faq")
            #expect(stored.id == id)
            #expect(stored.name == "faq")
            #expect(stored.threshold == 0.8)
            #expect(stored.epochs.isEmpty)
            #expect(stored.model.config == model.config)
            #expect(stored.model.vocabulary == model.vocabulary)
            #expect(stored.model.encoder.weights.tensors == model.encoder.weights.tensors)
            let texts = ["How do I reset my password?", "what is rice", "zebra password"]
            #expect(try stored.model.encode(texts) == model.encode(texts))
        }
    }

    @Test func bidirectionalModelRoundTripsExactly() throws {
        try withStore { store, path in
            var config = tinyModel().config
            config.bidirectional = true
            let model = SiameseModel(config: config, vocabulary: tinyModel().vocabulary)
            _ = try store.saveModel(name: "both-ways", model: model, threshold: 0.8)
            let stored = try QuestionStore(path: path, mode: .readOnly).loadModel(name: "both-ways")
            #expect(stored.model.config.bidirectional)
            #expect(stored.model.encoder.weights.tensors.map(\.name).contains("lstm.reverse.recurrent_weight"))
            #expect(stored.model.encoder.weights.tensors == model.encoder.weights.tensors)
            let texts = ["How do I reset my password?", "what is rice", "zebra password"]
            #expect(try stored.model.encode(texts) == model.encode(texts))
        }
    }

    @Test func modelOfSeveralMembersRoundTripsExactly() throws {
        try withStore { store, path in
            var config = tinyModel().config
            config.dimension = 6
            config.members = 3
            let model = SiameseModel(config: config, vocabulary: tinyModel().vocabulary)
            _ = try store.saveModel(name: "three", model: model, threshold: 0.8)
            let stored = try QuestionStore(path: path, mode: .readOnly).loadModel(name: "three")
            #expect(stored.model.config.members == 3)
            #expect(stored.model.tensors == model.tensors)
            // The first member's tensors keep the single encoder's names; the others are prefixed.
            #expect(stored.model.tensors.map(\.name) == ["embedding", "lstm.input_weight", "lstm.recurrent_weight",
                                                         "lstm.bias", "member1.embedding", "member1.lstm.input_weight",
                                                         "member1.lstm.recurrent_weight", "member1.lstm.bias",
                                                         "member2.embedding", "member2.lstm.input_weight",
                                                         "member2.lstm.recurrent_weight", "member2.lstm.bias"])
            let texts = ["How do I reset my password?", "what is rice", "zebra password"]
            #expect(try stored.model.encode(texts) == model.encode(texts))
        }
    }

    @Test func aStoredMemberCountThatDoesNotFitIsACorruptModel() throws {
        var config = tinyModel().config
        config.members = 2
        let model = SiameseModel(config: config, vocabulary: tinyModel().vocabulary)
        for (members, message) in [("3", "the dimension (4) must be a multiple of the members (3)"),
                                   ("0", "members must be between 1 and 64, got 0"),
                                   ("1", "weight \"member1.embedding\"")] {
            try withStore { store, path in
                _ = try store.saveModel(name: "two", model: model)
                try rawDatabase(path).write {
                    try $0.execute(sql: "UPDATE model SET config = replace(config, '\"members\":2', '\"members\":' || ?)",
                                   arguments: [members])
                }
                #expect { try QuestionStore(path: path, mode: .readOnly).loadModel(name: "two") } throws: { error in
                    "\(error)".contains(message) && "\(error)".contains("cannot be loaded")
                }
            }
        }
    }

    @Test func aMemberTensorThatDoesNotFitIsRefusedByName() throws {
        var config = tinyModel().config
        config.members = 2
        let model = SiameseModel(config: config, vocabulary: tinyModel().vocabulary)
        for (change, message) in [
            ("DELETE FROM weight WHERE name = 'member1.lstm.bias'", "weight \"member1.lstm.bias\" is missing"),
            ("UPDATE weight SET name = replace(name, 'member1.', 'member2.')",
             "weight \"member2.embedding\" (shape [\(model.vocabulary.count), 2]) is stored but the model's configuration has no such weight"),
        ] {
            try withStore { store, path in
                _ = try store.saveModel(name: "two", model: model)
                try rawDatabase(path).write { try $0.execute(sql: change) }
                #expect { try QuestionStore(path: path, mode: .readOnly).loadModel(name: "two") } throws: { error in
                    "\(error)".contains(message)
                }
            }
        }
    }

    @Test func epochsAreSavedWithTheModelAndReplacedOnRestart() throws {
        try withStore { store, _ in
            let model = tinyModel()
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            for epoch in 1...3 {
                let record = TrainingEpochRecord(epoch: epoch, loss: 1 / Double(epoch), pairsPerSecond: 100,
                                                 seconds: 2.5, validationAUC: epoch == 3 ? 0.9 : nil,
                                                 createdAt: start + Double(epoch))
                try store.saveEpoch(name: "faq", model: model, epoch: record)
            }
            let stored = try store.loadModel(name: nil)
            #expect(stored.epochs.map(\.epoch) == [1, 2, 3])
            #expect(stored.epochs.map(\.loss) == [1, 0.5, 1.0 / 3])
            #expect(stored.epochs.map(\.validationAUC) == [nil, nil, 0.9])
            #expect(abs(stored.epochs[2].createdAt.timeIntervalSince(start + 3)) < 0.001)
            #expect(try store.trainingEpochs(modelID: stored.id) == stored.epochs)

            // A new run under the same name replaces the curve from its first epoch on.
            try store.saveEpoch(name: "faq", model: model,
                                epoch: TrainingEpochRecord(epoch: 1, loss: 2, pairsPerSecond: 1, seconds: 1))
            #expect(try store.loadModel(name: "faq").epochs.map(\.loss) == [2])
            let summary = try #require(try store.modelSummaries().first)
            #expect(summary.name == "faq")
            #expect(summary.dimension == 4)
            #expect(summary.vocabularySize == model.vocabulary.count)
            #expect(summary.epochCount == 1)
            #expect(summary.lastLoss == 2)
            #expect(summary.threshold == nil)
            #expect(summary.embeddingCount == 0)
        }
    }

    @Test func divergedEpochIsRefusedWithoutWriting() throws {
        try withStore { store, path in
            let record = TrainingEpochRecord(epoch: 2, loss: .nan, pairsPerSecond: 10, seconds: 1)
            #expect {
                try store.saveEpoch(name: "faq", model: tinyModel(), epoch: record)
            } throws: { error in
                guard case IndexError.invalidEpochRecord("faq", 2, let reason) = error else { return false }
                return reason == "its loss is nan"
            }
            #expect(throws: IndexError.noModel(path: path)) { try store.loadModel() }
        }
    }

    @Test func corruptedWeightBlobGivesAClearError() throws {
        try withStore { store, path in
            try store.saveModel(name: "faq", model: tinyModel())
            try rawDatabase(path).write { db in
                try db.execute(sql: "UPDATE weight SET data = x'00' WHERE name = 'lstm.bias'")
            }
            let expected = IndexError.corruptWeight(path: path, model: "faq", weight: "lstm.bias",
                                                    reason: "it has 1 byte of data; shape [16] needs 64 bytes")
            #expect(throws: expected) { try store.loadModel(name: "faq") }
            #expect(expected.description.hasPrefix("weight \"lstm.bias\" of model \"faq\" in \(path) is corrupt"))
        }
    }

    @Test func wrongShapeOrMissingWeightIsACorruptModel() throws {
        try withStore { store, path in
            try store.saveModel(name: "faq", model: tinyModel())
            try rawDatabase(path).write { db in
                // Same byte count, transposed shape.
                try db.execute(sql: "UPDATE weight SET shape = '[16, 4]' WHERE name = 'lstm.input_weight'")
            }
            #expect {
                try store.loadModel(name: "faq")
            } throws: { error in
                guard case IndexError.corruptModel(path, "faq", let reason) = error else { return false }
                return reason.contains("lstm.input_weight")
            }
            try rawDatabase(path).write { db in try db.execute(sql: "DELETE FROM weight WHERE name = 'embedding'") }
            #expect {
                try store.loadModel(name: "faq")
            } throws: { error in
                guard case IndexError.corruptModel(path, "faq", let reason) = error else { return false }
                return reason.contains("embedding")
            }
        }
    }

    @Test func modelLookupByNameOrLatest() throws {
        try withStore { store, path in
            #expect(throws: IndexError.noModel(path: path)) { try store.loadModel(name: nil) }
            #expect(throws: IndexError.noModel(path: path)) { try store.loadModel(name: "faq") }
            #expect(IndexError.noModel(path: path).description == "no model in \(path); train one with `siamese train --db \(path) --pairs FILE`")

            try store.saveEpoch(name: "old", model: tinyModel(seed: 1),
                                epoch: TrainingEpochRecord(epoch: 1, loss: 1, pairsPerSecond: 1, seconds: 1,
                                                           createdAt: Date(timeIntervalSince1970: 1_000)))
            try store.saveEpoch(name: "new", model: tinyModel(seed: 2),
                                epoch: TrainingEpochRecord(epoch: 1, loss: 1, pairsPerSecond: 1, seconds: 1,
                                                           createdAt: Date(timeIntervalSince1970: 2_000)))
            #expect(try store.loadModel(name: nil).name == "new")
            try store.saveEpoch(name: "old", model: tinyModel(seed: 1),
                                epoch: TrainingEpochRecord(epoch: 2, loss: 1, pairsPerSecond: 1, seconds: 1,
                                                           createdAt: Date(timeIntervalSince1970: 3_000)))
            #expect(try store.loadModel(name: nil).name == "old")
            #expect(throws: IndexError.modelNotFound(path: path, name: "faq", available: ["new", "old"])) {
                try store.loadModel(name: "faq")
            }
            #expect(try store.modelSummaries().map(\.name) == ["new", "old"])
        }
    }

    @Test func thresholdAndDeletion() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            try store.setThreshold(modelName: "faq", threshold: 0.75)
            #expect(try store.loadModel(name: "faq").threshold == 0.75)
            try store.setThreshold(modelName: "faq", threshold: nil)
            #expect(try store.loadModel(name: "faq").threshold == nil)
            #expect(throws: IndexError.invalidThreshold(1.5)) { try store.setThreshold(modelName: "faq", threshold: 1.5) }
            #expect(throws: IndexError.modelNotFound(path: path, name: "nope", available: ["faq"])) {
                try store.setThreshold(modelName: "nope", threshold: 0.5)
            }
            #expect(throws: IndexError.invalidModelName("")) { try store.saveModel(name: "", model: model) }

            let added = try store.addQuestions([(text: "how do i reset my password", externalID: nil)], source: "t")
            try store.storeEmbeddings(modelID: modelID, questionIDs: added.added,
                                      vectors: try model.encode(["how do i reset my password"]))
            try store.deleteModel(name: "faq")
            let remaining = try rawDatabase(path).read { db in
                try ["model", "vocabulary", "weight", "training_epoch", "embedding", "question"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
                }
            }
            #expect(remaining == [0, 0, 0, 0, 0, 1])
            #expect(throws: IndexError.noModel(path: path)) { try store.deleteModel(name: "faq") }
        }
    }

    @Test func savingNewWeightsDropsStaleEmbeddings() throws {
        try withStore { store, _ in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            let added = try store.addQuestions([(text: "what is a password", externalID: "q1")], source: "t")
            try store.storeEmbeddings(modelID: modelID, questionIDs: added.added,
                                      vectors: try model.encode(["what is a password"]))
            #expect(try store.embeddingCount(modelID: modelID) == 1)
            let sameID = try store.saveEpoch(name: "faq", model: tinyModel(seed: 99),
                                             epoch: TrainingEpochRecord(epoch: 1, loss: 1, pairsPerSecond: 1, seconds: 1))
            #expect(sameID == modelID)
            #expect(try store.embeddingCount(modelID: modelID) == 0)
        }
    }
}
