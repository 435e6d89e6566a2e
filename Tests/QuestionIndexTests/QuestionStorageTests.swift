import Foundation
import GRDB
import Testing
@testable import QuestionIndex

@Suite struct QuestionStorageTests {
    @Test func exactAndNormalizedDuplicatesAreSkipped() throws {
        try withStore { store, _ in
            let input: [(text: String, externalID: String?)] = [
                (text: "How do I reset my password?", externalID: "a"),
                (text: "how do i reset my password", externalID: "b"),
                (text: "What is a password?", externalID: nil),
                (text: "  HOW   do I reset, my password!!", externalID: "c"),
                (text: "What is a password?", externalID: nil),
            ]
            let first = try store.addQuestions(input, source: "faq.csv")
            #expect(first.added.count == 2)
            #expect(first.skipped == 3)
            let stored = try store.questions(ids: first.added)
            #expect(stored[first.added[0]]?.text == "How do I reset my password?")
            #expect(stored[first.added[0]]?.externalID == "a")
            #expect(stored[first.added[0]]?.source == "faq.csv")
            #expect(stored[first.added[1]]?.externalID == nil)
            #expect(try store.questionText(ids: first.added + [999]) == [first.added[0]: "How do I reset my password?",
                                                                          first.added[1]: "What is a password?"])

            let second = try store.addQuestions(input, source: "faq.csv")
            #expect(second.added.isEmpty)
            #expect(second.skipped == input.count)
            #expect(try store.questionCount() == 2)
        }
    }

    @Test func emptyQuestionIsAnErrorNamingSourceAndIndexAndAddsNothing() throws {
        try withStore { store, _ in
            let input: [(text: String, externalID: String?)] = [(text: "a real question", externalID: nil),
                                                                (text: " ?! ", externalID: nil)]
            #expect(throws: IndexError.emptyQuestion(source: "faq.csv", index: 1)) {
                try store.addQuestions(input, source: "faq.csv")
            }
            #expect(IndexError.emptyQuestion(source: "faq.csv", index: 1).description == "faq.csv: question 2 has no words")
            let count = try store.questionCount()
            #expect(count == 0)
        }
    }

    @Test func questionsWithoutEmbeddingIsTheWorkList() throws {
        try withStore { store, path in
            let model = tinyModel()
            let modelID = try store.saveModel(name: "faq", model: model)
            let texts = ["how do i reset my password", "what is a password", "how to cook rice"]
            let added = try store.addQuestions(texts.map { (text: $0, externalID: nil) }, source: "t").added
            #expect(try store.questionsWithoutEmbedding(modelID: modelID, limit: 2).map(\.id) == Array(added.prefix(2)))
            try store.storeEmbeddings(modelID: modelID, questionIDs: [added[1]], vectors: try model.encode([texts[1]]))
            let pending = try store.questionsWithoutEmbedding(modelID: modelID, limit: 10)
            #expect(pending.map(\.id) == [added[0], added[2]])
            #expect(pending.map(\.text) == [texts[0], texts[2]])
            #expect(try store.questionsWithoutEmbedding(modelID: modelID, afterID: added[0], limit: 10).map(\.id)
                    == [added[2]])
            #expect(throws: IndexError.modelIDNotFound(path: path, id: 42)) {
                try store.questionsWithoutEmbedding(modelID: 42, limit: 1)
            }
        }
    }
}
