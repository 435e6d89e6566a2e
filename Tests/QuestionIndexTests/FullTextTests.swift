import Foundation
import GRDB
import Testing
@testable import QuestionIndex

/// The full-text index of the questions (Migrations/0004_question_fts.sql) and keyword search over it.
@Suite struct FullTextTests {
    @Test func triggersKeepTheFullTextIndexInStepWithTheQuestions() throws {
        try withStore { store, path in
            let added = try store.addQuestions([
                (text: "How do I reset my password?", externalID: nil),
                (text: "How do I change my password?", externalID: nil),
                (text: "What is your refund policy?", externalID: nil),
            ], source: "test").added
            #expect(try store.keywordMatchCount(allWordsOf: "password") == 2)
            #expect(try store.keywordMatchCount(allWordsOf: "my password") == 2)
            #expect(try store.keywordMatchCount(allWordsOf: "refund") == 1)

            // Insert: one more match.
            _ = try store.addQuestions([(text: "I forgot my PASSWORD!", externalID: nil)], source: "test")
            #expect(try store.keywordMatchCount(allWordsOf: "password") == 3)

            // Delete: the question's words are gone from the index.
            #expect(try store.deleteQuestions(ids: [added[0]]) == 1)
            #expect(try store.keywordMatchCount(allWordsOf: "password") == 2)
            #expect(try store.keywordMatchCount(allWordsOf: "reset") == 0)

            // Update (by another program): old words out, new words in.
            try rawDatabase(path).write { db in
                try db.execute(sql: "UPDATE question SET text = 'Where is my parcel?', normalized = 'where is my parcel' WHERE id = ?",
                               arguments: [added[2]])
            }
            #expect(try store.keywordMatchCount(allWordsOf: "refund") == 0)
            #expect(try store.keywordMatchCount(allWordsOf: "parcel") == 1)

            // The index agrees with the table, as FTS5's own check confirms.
            try rawDatabase(path).write { db in
                try db.execute(sql: "INSERT INTO question_fts (question_fts, rank) VALUES ('integrity-check', 1)")
            }
        }
    }

    @Test func migrationBackfillsQuestionsStoredBefore() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let initial = Schema(migrations: Array(Schema.embedded.migrations.prefix(1)))
            let old = try QuestionStore(path: path, mode: .readWrite, schema: initial)
            try old.write { db in
                for (text, key) in [("How do I reset my password?", "how do i reset my password"),
                                    ("Can I pay by card?", "can i pay by card")] {
                    try db.execute(sql: """
                        INSERT INTO question (text, normalized, source, created_at)
                        VALUES (?, ?, 'test', '2026-01-01 00:00:00.000')
                        """, arguments: [text, key])
                }
            }
            let upgraded = try QuestionStore(path: path, mode: .readWrite)
            #expect(try upgraded.keywordMatchCount(allWordsOf: "password") == 1)
            #expect(try upgraded.keywordMatchCount(allWordsOf: "card") == 1)
            #expect(try upgraded.keywordSearch("pay by card", k: 5).map(\.id) == [2])
        }
    }

    @Test func keywordSearchRanksByBM25AndReadsNoWordAsSyntax() throws {
        try withStore { store, _ in
            _ = try store.addQuestions([
                (text: "How do I reset my password?", externalID: nil),   // 1
                (text: "Password reset: password rules", externalID: nil), // 2
                (text: "What is your refund policy?", externalID: nil),    // 3
                (text: "AND OR NOT NEAR", externalID: nil),                // 4: FTS5 keywords as words
            ], source: "test")
            let hits = try store.keywordSearch("password reset", k: 10)
            // Question 2 holds "password" twice in fewer words.
            #expect(hits.map(\.id) == [2, 1])
            #expect(hits[0].score > hits[1].score && hits[1].score > 0)
            #expect(try store.keywordSearch("or not", k: 10).map(\.id) == [4])
            #expect(try store.keywordSearch("\"unbalanced quote* (", k: 10).isEmpty)
            #expect(try store.keywordSearch("?!", k: 10).isEmpty)
        }
    }

    @Test func fullTextQueryQuotesEachDistinctWord() {
        #expect(FullTextQuery.anyWord(of: "how do i do it") == #""how" OR "do" OR "i" OR "it""#)
        #expect(FullTextQuery.anyWord(of: "") == nil)
    }
}
