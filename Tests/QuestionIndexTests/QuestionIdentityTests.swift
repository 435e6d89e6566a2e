import Foundation
import GRDB
import Testing
@testable import QuestionIndex

@Suite("every input row keeps its identity")
struct QuestionIdentityTests {
    static func rows(_ rows: [(String, String?)]) -> [SourceQuestion] {
        rows.enumerated().map { SourceQuestion(text: $1.0, externalID: $1.1, line: $0 + 2) }
    }

    @Test("rows whose texts normalize alike share one question and keep every external id")
    func duplicatesKeepTheirIDs() throws {
        try withStore { store, _ in
            let faq = Self.rows([("How do I reset my password?", "FAQ-1"), ("how do i reset my password", "FAQ-2"),
                                 ("HOW do I reset, my password!!", "FAQ-3"), ("How do I reset my password", "FAQ-4")])
            let result = try store.addRows(faq, source: "faq.csv")
            #expect(result.addedQuestions.count == 1 && result.newRows == 4)
            let question = try #require(try store.questions(ids: result.addedQuestions).values.first)
            #expect(question.externalIDs == ["FAQ-1", "FAQ-2", "FAQ-3", "FAQ-4"])
            #expect(question.entries.map(\.line) == [2, 3, 4, 5])
            #expect(question.entries.map(\.text) == faq.map(\.text))
            #expect(question.text == "How do I reset my password?")
        }
    }

    @Test("indexing the same rows again changes nothing; an id with a new text is updated and the old text goes")
    func upsertByExternalID() throws {
        try withStore { store, path in
            let first = try store.addRows(Self.rows([("What is a password?", "a"), ("How to cook rice", "b")]),
                                          source: "faq.csv")
            let model = tinyModel()
            let modelID = try store.saveModel(name: "m", model: model)
            try store.storeEmbeddings(modelID: modelID, questionIDs: first.addedQuestions,
                                      vectors: try model.encode(["What is a password?", "How to cook rice"]))

            let again = try store.addRows(Self.rows([("What is a password?", "a"), ("How to cook rice", "b")]),
                                          source: "faq.csv")
            #expect(again.unchangedRows == 2 && again.newRows == 0 && again.addedQuestions.isEmpty)

            let edited = try store.addRows(Self.rows([("What is a password?", "a"), ("How do I cook rice?", "b")]),
                                           source: "faq.csv")
            #expect(edited.updatedRows == 1 && edited.unchangedRows == 1 && edited.newRows == 0)
            #expect(edited.addedQuestions.count == 1 && edited.removedQuestions == 1)
            #expect(try store.questionCount() == 2)
            // The old text's vector went with it; the new text waits to be embedded.
            #expect(try store.embeddingCount(modelID: modelID) == 1)
            #expect(try store.questionsWithoutEmbedding(modelID: modelID, limit: 10).map(\.text) == ["How do I cook rice?"])
            let entries = try rawDatabase(path).read { db in
                try Row.fetchAll(db, sql: "SELECT external_id, text FROM question_entry ORDER BY id")
                    .map { [$0[0] as String?, $0[1] as String?] }
            }
            #expect(entries == [["a", "What is a password?"], ["b", "How do I cook rice?"]])
        }
    }

    @Test("external ids are unique per source: another file's id 1 is another row")
    func idsAreScopedBySource() throws {
        try withStore { store, _ in
            _ = try store.addRows(Self.rows([("What is a password?", "1")]), source: "a.csv")
            let other = try store.addRows(Self.rows([("How to cook rice", "1")]), source: "b.csv")
            #expect(other.newRows == 1 && other.updatedRows == 0)
            #expect(try store.questionCount() == 2)
        }
    }

    @Test("one id given to two texts keeps both; indexing again makes the id name what the input gives it")
    func oneIDOnTwoTexts() throws {
        try withStore { store, _ in
            // Quora's dev.tsv gives qid 6147 to "Who will win ipl 2016?" and "Who will win IPL2016?".
            let input = Self.rows([("What is a password?", "7"), ("How to cook rice", "8"), ("Where is Paris?", "7")])
            let first = try store.addRows(input, source: "faq.csv")
            #expect(first.newRows == 3 && first.addedQuestions.count == 3)
            #expect(try store.questions(ids: first.addedQuestions).values.map(\.externalIDs).sorted { $0[0] < $1[0] }
                    == [["7"], ["7"], ["8"]])
            let again = try store.addRows(input, source: "faq.csv")
            #expect(again.unchangedRows == 3 && again.newRows == 0 && again.updatedRows == 0)

            // Paris becomes Rome under id 7: that row is updated, the password row stays.
            let edited = try store.addRows(Self.rows([("What is a password?", "7"), ("How to cook rice", "8"),
                                                      ("Where is Rome?", "7")]), source: "faq.csv")
            #expect(edited.updatedRows == 1 && edited.unchangedRows == 2 && edited.removedQuestions == 1)
            // Id 7 now names the password question only: the Rome row goes, and its question with it.
            let fewer = try store.addRows(Self.rows([("What is a password?", "7"), ("How to cook rice", "8")]),
                                          source: "faq.csv")
            #expect(fewer.removedRows == 1 && fewer.removedQuestions == 1 && fewer.unchangedRows == 2)
            #expect(try store.questionCount() == 2)

            // A pair file names a question on every pair it is in: the same id with the same text is one row.
            let pairs = Self.rows([("What is a password?", "7"), ("How to cook rice", "8"), ("what is a password", "7")])
            let added = try store.addRows(pairs, source: "pairs.tsv")
            #expect(added.newRows == 2 && added.repeatedRows == 1)
        }
    }

    @Test("rows without an id are kept by line: the same line again is unchanged, another line is another row")
    func rowsWithoutIDs() throws {
        try withStore { store, _ in
            let first = try store.addRows(Self.rows([("What is a password?", nil), ("what is a password", nil)]),
                                          source: "faq.txt")
            #expect(first.newRows == 2 && first.addedQuestions.count == 1)
            let again = try store.addRows(Self.rows([("What is a password?", nil), ("what is a password", nil)]),
                                          source: "faq.txt")
            #expect(again.unchangedRows == 2 && again.newRows == 0)
            let entries = try #require(try store.questions(ids: first.addedQuestions).values.first).entries
            #expect(entries.map(\.line) == [2, 3])
        }
    }

    @Test("--sync removes the source's rows the input no longer has, and questions left without rows")
    func syncMirrorsTheInput() throws {
        try withStore { store, _ in
            _ = try store.addRows(Self.rows([("What is a password?", nil), ("How to cook rice", nil)]), source: "faq.txt")
            _ = try store.addRows(Self.rows([("How to cook rice", nil)]), source: "other.txt")
            let synced = try store.addRows(Self.rows([("What is a password?", nil)]), source: "faq.txt", sync: true)
            #expect(synced.removedRows == 1 && synced.removedQuestions == 0)  // other.txt still names the rice question
            let again = try store.addRows([], source: "other.txt", sync: true)
            #expect(again.removedRows == 1 && again.removedQuestions == 1)
            #expect(try store.questionCount() == 1)
        }
    }

    @Test("remove by question id, external id or source; a target that names nothing removes nothing")
    func removal() throws {
        try withStore { store, path in
            let added = try store.addRows(Self.rows([("What is a password?", "a"), ("what is a password", "b"),
                                                     ("How to cook rice", "c"), ("Where is Paris?", nil)]),
                                          source: "faq.csv").addedQuestions
            _ = try store.addRows(Self.rows([("Where is Paris?", "c")]), source: "geo.csv")
            let before = try snapshot(path)
            #expect(throws: IndexError.nothingToRemove(path: path, what: "row with id \"zz\"")) {
                try store.remove([.externalID("a", source: nil), .externalID("zz", source: nil)])
            }
            #expect(try snapshot(path) == before)

            // One of two rows of a question: the question stays.
            #expect(try store.remove([.externalID("a", source: "faq.csv")]) == (rows: 1, questions: 0) as (Int, Int))
            // An id of two sources without --source: both rows; each question keeps or loses its last row.
            let both = try store.remove([.externalID("c", source: nil)])
            #expect(both.rows == 2 && both.questions == 1)
            #expect(try store.questionCount() == 2)
            let question = try store.remove([.question(added[0])])
            #expect(question.rows == 1 && question.questions == 1)
            let source = try store.remove([.source("faq.csv")])
            #expect(source.rows == 1 && source.questions == 1)
            #expect(try store.questionCount() == 0)
        }
    }

    @Test("migration 0008 gives every stored question a row with its id and source")
    func migrationBackfillsRows() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let before0008 = Schema(migrations: Schema.embedded.migrations.filter { $0.identifier < "0008" })
            let old = try QuestionStore(path: path, mode: .readWrite, schema: before0008)
            try old.write { db in
                for (text, key, id) in [("What is a password?", "what is a password", "7"),
                                        ("How to cook rice", "how to cook rice", "7"),
                                        ("Where is Paris?", "where is paris", nil)] as [(String, String, String?)] {
                    try db.execute(sql: """
                        INSERT INTO question (text, normalized, external_id, source, created_at)
                        VALUES (?, ?, ?, 'faq.csv', '2026-01-01 00:00:00.000')
                        """, arguments: [text, key, id])
                }
            }
            let upgraded = try QuestionStore(path: path, mode: .readWrite)
            let stored = try upgraded.questions(ids: [1, 2, 3])
            #expect(stored[1]?.externalIDs == ["7"] && stored[2]?.externalIDs == ["7"] && stored[3]?.externalIDs == [])
            #expect(stored.values.allSatisfy { $0.source == "faq.csv" && $0.entries.count == 1 && $0.entries[0].line == nil })
            let columns = try rawDatabase(path).read { db in try db.columns(in: "question").map(\.name) }
            #expect(columns == ["id", "text", "normalized", "created_at"])
            // Indexing the file again with id 7 on one new text: one of its rows is updated, the other removed.
            let updated = try upgraded.addRows([SourceQuestion(text: "Where is Rome?", externalID: "7", line: 2)],
                                               source: "faq.csv")
            #expect(updated.updatedRows == 1 && updated.removedRows == 1 && updated.removedQuestions == 2)
        }
    }
}
