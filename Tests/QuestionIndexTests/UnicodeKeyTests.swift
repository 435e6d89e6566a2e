import Foundation
import GRDB
import Testing
@testable import QuestionIndex

@Suite("question keys and Unicode normalization")
struct UnicodeKeyTests {
    static let composed = "Caf\u{E9} cr\u{E8}me?"
    static let decomposed = "Cafe\u{301} cre\u{300}me?"

    @Test("NFC and NFD spellings of one question are stored once")
    func oneKeyForBothSpellings() throws {
        try withStore { store, _ in
            let first = try store.addQuestions([(Self.decomposed, nil), (Self.composed, nil)], source: "a.txt")
            #expect(first.added.count == 1 && first.skipped == 1)
            let second = try store.addQuestions([(Self.composed, nil)], source: "b.txt")
            #expect(second.added.isEmpty && second.skipped == 1)
        }
    }

    @Test("a question an older build stored under its key without NFC is not added again")
    func legacyKey() throws {
        try withStore { store, path in
            // What tokenizer version 1 stored for the decomposed spelling: its lowercased words, not in NFC.
            try rawDatabase(path).write { db in
                try db.execute(sql: """
                    INSERT INTO question (text, normalized, created_at) VALUES (?, ?, '2026-01-01 00:00:00.000')
                    """, arguments: [Self.decomposed, "cafe\u{301} cre\u{300}me"])
            }
            let again = try store.addQuestions([(Self.decomposed, nil)], source: "old.txt")
            #expect(again.added.isEmpty && again.skipped == 1)
            #expect(try store.questionCount() == 1)
        }
    }
}
