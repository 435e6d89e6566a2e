import Foundation
import GRDB
import SiameseNet
import Testing
@testable import QuestionIndex

/// A write that fails part-way leaves the database exactly as it was.
@Suite struct TransactionTests {
    @Test func failedEmbeddingBatchStoresNothing() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            let ids = try store.addQuestions([(text: "how do i reset my password", externalID: nil),
                                              (text: "what is a password", externalID: nil)], source: "t").added
            let before = try snapshot(path)
            let good = try model.encode(["how do i reset my password", "what is a password"])
            // The second row names a missing question: the first, valid row must not stay behind.
            #expect(throws: IndexError.questionNotFound(path: path, id: 777)) {
                try store.storeEmbeddings(modelID: modelID, questionIDs: [ids[0], 777], vectors: good)
            }
            #expect(try snapshot(path) == before)
            #expect(throws: IndexError.self) {
                try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: Array(good[0..<4]) + [3, 0, 0, 0])
            }
            #expect(try snapshot(path) == before)
        }
    }

    @Test func failedModelSaveKeepsTheOldModelAndItsEmbeddings() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model, threshold: 0.5)
            let ids = try store.addQuestions([(text: "what is a password", externalID: nil)], source: "t").added
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: try model.encode(["what is a password"]))
            // Make the last weight insert fail, after the model row, vocabulary and other weights were rewritten
            // and the embeddings deleted.
            try rawDatabase(path).write { db in
                try db.execute(sql: """
                    CREATE TRIGGER fail_bias BEFORE INSERT ON weight WHEN NEW.name = 'lstm.bias'
                    BEGIN SELECT RAISE(ABORT, 'simulated failure'); END
                    """)
            }
            let before = try snapshot(path)
            #expect(throws: IndexError.database(path: path, message: "simulated failure")) {
                try store.saveEpoch(name: "faq", model: tinyModel(seed: 11),
                                    epoch: TrainingEpochRecord(epoch: 1, loss: 1, pairsPerSecond: 1, seconds: 1))
            }
            #expect(try snapshot(path) == before)
            let stored = try store.loadModel(name: "faq")
            #expect(stored.model.encoder.weights == model.encoder.weights)
            #expect(stored.threshold == 0.5)
            #expect(try store.embeddingCount(modelID: modelID) == 1)
        }
    }
}

/// Two stores created on one new file at once (two `train` on a new index): both open. Each can hold the shared
/// lock the other's switch to WAL mode needs, and SQLite fails one with SQLITE_BUSY at once, past any busy
/// timeout; the loser now looks again instead of failing ("locked by another process" in CI before).
@Suite struct NewFileRaceTests {
    @Test func twoStoresCreatingOneFileAtOnceBothOpen() throws {
        try withTemporaryDirectory { directory in
            final class Failures: @unchecked Sendable {
                let lock = NSLock()
                var errors: [String] = []
                func add(_ error: any Error) { lock.withLock { errors.append("\(error)") } }
            }
            let failures = Failures()
            for attempt in 0..<30 {
                let path = directory.appending(path: "new-\(attempt).sqlite").path(percentEncoded: false)
                DispatchQueue.concurrentPerform(iterations: 2) { _ in
                    do { _ = try QuestionStore(path: path, mode: .readWrite) } catch { failures.add(error) }
                }
            }
            #expect(failures.errors.isEmpty, "\(failures.errors.prefix(3))")
        }
    }
}
