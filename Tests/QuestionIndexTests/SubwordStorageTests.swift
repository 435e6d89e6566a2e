import Foundation
import GRDB
import SiameseNet
import Testing
@testable import QuestionIndex

/// The tiny model of `tinyModel` with a sub-word vocabulary of its words' n-grams.
func tinySubwordModel(seed: UInt64 = 7, dimension: Int = 4) -> SiameseModel {
    var config = tinyModel(seed: seed, dimension: dimension).config
    config.maxSubwords = 200
    let pairs = [QuestionPair(question1: "how do i reset my password", question2: "what is a password", isDuplicate: true, line: 2),
                 QuestionPair(question1: "how to cook rice", question2: "what is a password", isDuplicate: true, line: 2)]
    let set = TrainingSet(pairs: pairs, config: config)
    return SiameseModel(config: config, vocabulary: set.vocabulary, subwords: set.subwords)
}

@Suite struct SubwordStorageTests {
    @Test func modelWithSubwordsRoundTripsExactly() throws {
        try withStore { store, path in
            let model = tinySubwordModel()
            let subwords = try #require(model.subwords)
            #expect(subwords.count > 20)
            try store.saveModel(name: "faq", model: model)
            let stored = try QuestionStore(path: path, mode: .readOnly).loadModel(name: "faq").model
            #expect(stored.config == model.config)
            #expect(stored.subwords == subwords)
            #expect(stored.encoder.weights == model.encoder.weights)
            let texts = ["How do I reset my passwort?", "what is rise", "zebra passwords"]
            #expect(try stored.encode(texts) == model.encode(texts))
            let rows = try rawDatabase(path).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subword") ?? 0
            }
            #expect(rows == subwords.count)
            // Saving again replaces the table; deleting the model removes it.
            try store.saveModel(name: "faq", model: model)
            try store.deleteModel(name: "faq")
            #expect(try rawDatabase(path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subword") } == 0)
        }
    }

    @Test func modelWithoutSubwordsStoresNoTableAndNoTensor() throws {
        try withStore { store, path in
            try store.saveModel(name: "faq", model: tinyModel())
            let (rows, tensors) = try rawDatabase(path).read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subword") ?? -1,
                 try String.fetchAll(db, sql: "SELECT name FROM weight ORDER BY name"))
            }
            #expect(rows == 0)
            #expect(!tensors.contains("subword_embedding"))
            #expect(try store.loadModel(name: "faq").model.subwords == nil)
        }
    }

    func expectCorrupt(_ store: QuestionStore, _ path: String, containing text: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try store.loadModel(name: "faq")
        } throws: { error in
            guard case IndexError.corruptModel(path, "faq", let reason) = error else { return false }
            return reason.contains(text)
        }
    }

    @Test func corruptSubwordTableIsRefusedWithAClearError() throws {
        try withStore { store, path in
            let model = tinySubwordModel()
            let count = try #require(model.subwords).count
            // A missing id in the middle.
            try store.saveModel(name: "faq", model: model)
            try rawDatabase(path).write { db in try db.execute(sql: "DELETE FROM subword WHERE subword_id = 3") }
            expectCorrupt(store, path, containing: "sub-word ids are not contiguous from 0 (id 3 is missing)")
            // One n-gram fewer than the tensor's rows.
            try store.saveModel(name: "faq", model: model)
            try rawDatabase(path).write { db in
                try db.execute(sql: "DELETE FROM subword WHERE subword_id = ?", arguments: [count - 1])
            }
            expectCorrupt(store, path,
                          containing: "sub-word vocabulary has \(count - 1) n-grams but weight \"subword_embedding\" has \(count) rows")
            // The table without its tensor.
            try store.saveModel(name: "faq", model: model)
            try rawDatabase(path).write { db in
                try db.execute(sql: "DELETE FROM weight WHERE name = 'subword_embedding'")
            }
            expectCorrupt(store, path, containing: "has 0 rows")
            // A table for a model configured without sub-words.
            try store.saveModel(name: "faq", model: model)
            try rawDatabase(path).write { db in
                try db.execute(sql: "UPDATE model SET config = json_set(config, '$.maxSubwords', 0)")
            }
            expectCorrupt(store, path, containing: "configuration has sub-words off")
            // More n-grams than configured.
            try store.saveModel(name: "faq", model: model)
            try rawDatabase(path).write { db in
                try db.execute(sql: "UPDATE model SET config = json_set(config, '$.maxSubwords', 5)")
            }
            expectCorrupt(store, path, containing: "more than the configured 5")
            // Duplicate n-grams cannot even be stored.
            try store.saveModel(name: "faq", model: model)
            #expect(throws: DatabaseError.self) {
                try rawDatabase(path).write { db in
                    try db.execute(sql: "UPDATE subword SET ngram = (SELECT ngram FROM subword WHERE subword_id = 0) WHERE subword_id = 1")
                }
            }
        }
    }

    @Test func trainingSetBuildsSubwordsFromTheVocabularyWords() {
        var config = ModelConfig()
        config.maxSubwords = 1000
        config.subwordMinN = 3
        config.subwordMaxN = 3
        config.minCount = 2
        let pairs = [QuestionPair(question1: "reset password", question2: "reset my password", isDuplicate: true, line: 2),
                     QuestionPair(question1: "reset passwort", question2: "password reset", isDuplicate: true, line: 2)]
        let set = TrainingSet(pairs: pairs, config: config)
        #expect(set.vocabulary.tokens.dropFirst(2).sorted() == ["password", "reset"])
        let subwords = SubwordVocabulary(buildingFrom: ["password", "reset"], minN: 3, maxN: 3, maxSize: 1000)
        #expect(set.subwords == subwords)
        // "passwort" and "my" are <UNK> words; "passwort" has known n-grams, so its pair carries its own.
        #expect(set.pairs[0].firstTokens == nil)
        #expect(set.pairs[0].secondTokens == nil)   // "my": no known n-gram
        let own = set.pairs[1].firstTokens
        #expect(own?.words == set.pairs[1].first)
        #expect(own.map { Array($0.subwords[$0.subwordRange(of: 1)]) } == subwords.ids(ofWord: "passwort"))
        config.maxSubwords = 0
        #expect(TrainingSet(pairs: pairs, config: config).subwords == nil)
    }
}
