import Foundation
import Testing
@testable import QuestionIndex

@Suite struct ReadersQuestionReaderTests {
    /// The message of the `ReaderError` that reading `path` throws, or nil when it reads without error.
    private func message(_ path: String) -> String? {
        do {
            _ = try QuestionReader().read(path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func textFileSkipsBlankLines() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("faq.txt", "How old are you?\r\n\r\n   \n  What is your name?  \nWhy \"quotes\"?")
            let output = try QuestionReader().read(path)
            #expect(output.questions == [
                SourceQuestion(text: "How old are you?", externalID: nil, line: 1),
                SourceQuestion(text: "What is your name?", externalID: nil, line: 4),
                SourceQuestion(text: "Why \"quotes\"?", externalID: nil, line: 5),
            ])
            #expect(output.skipped == 0)
        }
    }

    @Test func pairTSVGivesBothQuestionsWithTheirQids() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("dev.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                + "9\t19\t20\tHow did it start?\tWhen did it start?\t0\n"
                + "10\t21\t\tWhy?\tHow?\tnot checked here\n")
            #expect(try QuestionReader().read(path).questions == [
                SourceQuestion(text: "How did it start?", externalID: "19", line: 2),
                SourceQuestion(text: "When did it start?", externalID: "20", line: 2),
                SourceQuestion(text: "Why?", externalID: "21", line: 3),
                SourceQuestion(text: "How?", externalID: nil, line: 3),
            ])
        }
    }

    @Test func csvWithAQuestionColumn() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("questions.csv", """
                ID,Question,Topic
                a1,"Can I pay by card, or cash?",billing
                a2,"Multi
                line?",misc
                ,No id?,misc

                """)
            #expect(try QuestionReader().read(path).questions == [
                SourceQuestion(text: "Can I pay by card, or cash?", externalID: "a1", line: 2),
                SourceQuestion(text: "Multi\nline?", externalID: "a2", line: 3),
                SourceQuestion(text: "No id?", externalID: nil, line: 5),
            ])
        }
    }

    @Test func tableWithoutQuestionColumn() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("q.tsv", "id\ttext\n1\tWhy?\n")
            #expect(message(path) == "\(path):1: no question column: expected question, or question1 and question2 (header: id, text)")
        }
    }

    @Test func textFileWithInvalidUTF8OnLine3() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("faq.txt", bytes: Array("One?\nTwo?\nThr".utf8) + [0xE2, 0x82] + Array("ee?\nFour?\n".utf8))
            #expect(message(path) == "\(path):3: invalid UTF-8")
            let output = try QuestionReader(skipBad: true).read(path)
            #expect(output.questions.map(\.text) == ["One?", "Two?", "Four?"])
            #expect(output.skipped == 1)
            #expect(output.problems == ["\(path):3: invalid UTF-8"])
        }
    }

    @Test func emptyAndBlankTextFiles() throws {
        try withReadersScratch { scratch in
            let empty = try scratch.write("empty.txt", "")
            #expect(message(empty) == "\(empty): empty file")
            let blank = try scratch.write("blank.txt", "\n  \r\n\t\n")
            #expect(message(blank) == "\(blank): empty file")
            let headerOnly = try scratch.write("header.csv", "id,question\n")
            #expect(message(headerOnly) == "\(headerOnly): no rows after the header")
        }
    }

    @Test func emptyQuestionRejectsTheRow() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", "question1\tquestion2\nA?\tB?\nC?\t\n")
            #expect(message(path) == "\(path):3: empty question2")
            let output = try QuestionReader(skipBad: true).read(path)
            #expect(output.questions.map(\.text) == ["A?", "B?"])
            #expect(output.skipped == 1)
        }
    }

    @Test func aLongQuestionIsReadIntact() throws {
        try withReadersScratch { scratch in
            let long = String(repeating: "x", count: 100_000)
            let path = try scratch.write("long.txt", "short?\n\(long)\n")
            #expect(try QuestionReader().read(path).questions.map(\.text.count) == [6, 100_000])
        }
    }

    private static let quoraDev = "/work/shared/data/quora/dev.tsv"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: quoraDev)))
    func readsEveryQuestionOfTheQuoraDevSet() throws {
        let output = try QuestionReader().read(Self.quoraDev)
        #expect(output.questions.count == 2 * 3_893)
        #expect(output.questions.allSatisfy { $0.externalID != nil })
    }
}
