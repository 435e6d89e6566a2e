import Foundation
import GRDB
import SiameseNet
import Testing
@testable import QuestionIndex

@Suite struct EmbeddingStorageTests {
    /// A store with the tiny model and three questions; returns the model id and question ids.
    private func populated(_ store: QuestionStore) throws -> (model: SiameseModel, modelID: Int64, ids: [Int64]) {
        let model = tinyModel()
        let modelID = try store.saveModel(name: "faq", model: model)
        let texts = ["how do i reset my password", "what is a password", "how to cook rice"]
        let ids = try store.addQuestions(texts.map { (text: $0, externalID: nil) }, source: "t").added
        return (model, modelID, ids)
    }

    @Test func embeddingsRoundTripIntoOneMatrix() throws {
        try withStore { store, _ in
            let (model, modelID, ids) = try populated(store)
            let vectors = try model.encode(["how do i reset my password", "what is a password", "how to cook rice"])
            // Stored in reverse order; the matrix comes back by question id.
            let rows = ids.indices.reversed().map { (questionID: ids[$0], vector: Array(vectors[($0 * 4)..<($0 * 4 + 4)])) }
            try store.storeEmbeddings(modelID: modelID, rows)
            let matrix = try store.embeddingMatrix(modelID: modelID)
            #expect(matrix.dimension == 4)
            #expect(matrix.ids == ids)
            #expect(matrix.vectors == vectors)
            // Storing again replaces, it does not duplicate.
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: vectors)
            #expect(try store.embeddingCount(modelID: modelID) == 3)
            #expect(try store.deleteEmbeddings(modelID: modelID) == 3)
            #expect(try store.embeddingMatrix(modelID: modelID).count == 0)
        }
    }

    @Test func embeddingsOfTheWrongSizeAreRefused() throws {
        try withStore { store, path in
            let (_, modelID, ids) = try populated(store)
            #expect(throws: IndexError.embeddingSize(model: "faq", questionID: ids[1], found: 3, expected: 4)) {
                try store.storeEmbeddings(modelID: modelID, [(questionID: ids[0], vector: [1, 0, 0, 0]),
                                                             (questionID: ids[1], vector: [1, 0, 0])])
            }
            #expect(throws: IndexError.embeddingBlockSize(model: "faq", questions: 2, values: 7, dimension: 4)) {
                try store.storeEmbeddings(modelID: modelID, questionIDs: [ids[0], ids[1]], vectors: [1, 0, 0, 0, 1, 0, 0])
            }
            #expect(try store.embeddingCount(modelID: modelID) == 0)
            // The database refuses a wrong size on its own too (trigger), whoever writes.
            #expect(throws: DatabaseError.self) {
                try rawDatabase(path).write { db in
                    try db.execute(sql: "INSERT INTO embedding (model_id, question_id, vector) VALUES (?, ?, x'00')",
                                   arguments: [modelID, ids[0]])
                }
            }
        }
    }

    @Test func nonUnitOrNonFiniteEmbeddingsAreRefused() throws {
        try withStore { store, _ in
            let (_, modelID, ids) = try populated(store)
            #expect(throws: IndexError.embeddingNotUnit(model: "faq", questionID: ids[0], norm: 2)) {
                try store.storeEmbeddings(modelID: modelID, [(questionID: ids[0], vector: [2, 0, 0, 0])])
            }
            #expect {
                try store.storeEmbeddings(modelID: modelID, [(questionID: ids[0], vector: [.nan, 0, 0, 0])])
            } throws: { error in
                guard case IndexError.embeddingNotUnit("faq", ids[0], let norm) = error else { return false }
                return norm.isNaN
            }
            // Within 1e-3 of unit norm is accepted.
            try store.storeEmbeddings(modelID: modelID, [(questionID: ids[0], vector: [1.0005, 0, 0, 0])])
        }
    }

    @Test func unknownQuestionOrModelIsRefused() throws {
        try withStore { store, path in
            let (_, modelID, _) = try populated(store)
            #expect(throws: IndexError.questionNotFound(path: path, id: 12345)) {
                try store.storeEmbeddings(modelID: modelID, [(questionID: 12345, vector: [0, 1, 0, 0])])
            }
            #expect(throws: IndexError.modelIDNotFound(path: path, id: modelID + 1)) {
                try store.storeEmbeddings(modelID: modelID + 1, [(questionID: 1, vector: [0, 1, 0, 0])])
            }
            #expect(throws: IndexError.modelIDNotFound(path: path, id: modelID + 1)) {
                try store.embeddingMatrix(modelID: modelID + 1)
            }
        }
    }

    @Test func corruptStoredEmbeddingGivesAClearError() throws {
        try withStore { store, path in
            let (model, modelID, ids) = try populated(store)
            try store.storeEmbeddings(modelID: modelID, questionIDs: [ids[0]], vectors: try model.encode(["how do i"]))
            try rawDatabase(path).write { db in
                try db.execute(sql: "DROP TRIGGER embedding_vector_size_on_update")
                try db.execute(sql: "UPDATE embedding SET vector = x'0000'")
            }
            let expected = IndexError.corruptEmbedding(path: path, model: "faq", questionID: ids[0], bytes: 2, expected: 16)
            #expect(throws: expected) { try store.embeddingMatrix(modelID: modelID) }
            #expect(expected.description
                    == "embedding of question \(ids[0]) for model \"faq\" in \(path) is corrupt: it has 2 bytes, expected 16 bytes")
        }
    }

    @Test func embeddingsOfTwoModelsNeverMix() throws {
        try withStore { store, _ in
            let (model, modelID, ids) = try populated(store)
            let wide = tinyModel(seed: 3, dimension: 6)
            let wideID = try store.saveModel(name: "wide", model: wide)
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: try model.encode(["a", "b", "c"].map {
                "how do i \($0)"
            }))
            try store.storeEmbeddings(modelID: wideID, questionIDs: [ids[2]], vectors: try wide.encode(["rice"]))
            #expect(try store.embeddingMatrix(modelID: modelID).ids == ids)
            let wideMatrix = try store.embeddingMatrix(modelID: wideID)
            #expect(wideMatrix.ids == [ids[2]])
            #expect(wideMatrix.dimension == 6)
            #expect(try store.questionsWithoutEmbedding(modelID: wideID, limit: 10).map(\.id) == [ids[0], ids[1]])
        }
    }
}
