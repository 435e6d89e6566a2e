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
        #expect(FullTextQuery.anyWord(of: "how do i do it") { _ in 1 } == #""how" OR "do" OR "i" OR "it""#)
        #expect(FullTextQuery.anyWord(of: "") { _ in 1 } == nil)
    }

    /// Words no document holds are dropped before the common-word rule: "learn" and "program" held by half the
    /// documents are common, and a query of them plus an unheld word still searches for them (it searched for
    /// the unheld word alone, finding nothing, before).
    @Test func fullTextQueryLeavesOutUnheldWordsThenCommonOnes() {
        let frequency: [Substring: Int] = ["learn": 5, "to": 0, "program": 5, "rare": 1]
        #expect(FullTextQuery.anyWord(of: "learn to program", limit: 1) { frequency[$0] ?? 0 } == #""learn" OR "program""#)
        #expect(FullTextQuery.anyWord(of: "learn rare to", limit: 1) { frequency[$0] ?? 0 } == #""rare""#)
        #expect(FullTextQuery.anyWord(of: "to zzz", limit: 1) { frequency[$0] ?? 0 } == nil)
    }

    /// Migration 0013: the keyword index stems English words, so a reworded question still shares its terms.
    @Test func keywordSearchMatchesWordsByTheirStem() throws {
        try withStore { store, path in
            _ = try store.addQuestions([
                (text: "How do I learn programming?", externalID: nil),  // 1
                (text: "What is a good laptop?", externalID: nil),       // 2
            ], source: "test")
            #expect(try store.keywordSearch("learning to program", k: 10).map(\.id) == [1])
            #expect(try store.keywordSearch("laptops", k: 10).map(\.id) == [2])
            // The index's table and eval's in-memory one use the same tokenizer.
            let sql = try rawDatabase(path).read { db in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'question_fts'")
            }
            #expect(sql?.contains("tokenize = '\(FullTextQuery.tokenizer)'") == true)
        }
    }

    /// A database made before 0013 (unstemmed terms) gets the stemmed index on upgrade, rebuilt from its questions.
    @Test func upgradeRebuildsTheKeywordIndexWithStems() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let before = Schema(migrations: Array(Schema.embedded.migrations.prefix { !$0.identifier.hasPrefix("0013") }))
            let old = try QuestionStore(path: path, mode: .readWrite, schema: before)
            _ = try old.addQuestions([(text: "Which programming languages pay best?", externalID: nil)], source: "test")
            #expect(try old.keywordSearch("program", k: 5).isEmpty)
            let upgraded = try QuestionStore(path: path, mode: .readWrite)
            #expect(try upgraded.keywordSearch("program", k: 5).map(\.id) == [1])
            try rawDatabase(path).write { db in
                try db.execute(sql: "INSERT INTO question_fts (question_fts, rank) VALUES ('integrity-check', 1)")
            }
        }
    }
}
