import Foundation
import Testing
@testable import QuestionIndex

@Suite struct ReadersPairReaderTests {
    private static let header = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"

    /// The message of the `ReaderError` that reading `path` throws, or nil when it reads without error.
    private func message(_ path: String, skipBad: Bool = false) -> String? {
        do {
            _ = try PairReader(skipBad: skipBad).read(path)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: TSV

    @Test func tsvKeepsStrayQuotesAsText() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", Self.header
                + "1\t1\t2\tWhat does \"quid pro quo mean?\tIs it \"true\"?\t1\n"
                + "2\t3\t4\t  Why?  \tHow?\t0\n")
            let output = try PairReader().read(path)
            #expect(output.pairs == [
                QuestionPair(question1: "What does \"quid pro quo mean?", question2: "Is it \"true\"?",
                             isDuplicate: true, qid1: "1", qid2: "2", line: 2, id: "1"),
                QuestionPair(question1: "Why?", question2: "How?",
                             isDuplicate: false, qid1: "3", qid2: "4", line: 3, id: "2"),
            ])
            #expect(output.skipped == 0)
            #expect(output.problems.isEmpty)
        }
    }

    @Test func tsvWithCRLFLineEndings() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv",
                "question1\tquestion2\tis_duplicate\r\nA?\tB?\t1\r\n\r\nC?\tD?\t0\r\n")
            let pairs = try PairReader().read(path).pairs
            #expect(pairs == [
                QuestionPair(question1: "A?", question2: "B?", isDuplicate: true, line: 2),
                QuestionPair(question1: "C?", question2: "D?", isDuplicate: false, line: 4),
            ])
        }
    }

    @Test func byteOrderMarkIsIgnored() throws {
        try withReadersScratch { scratch in
            let tsv = try scratch.write("bom.tsv", bytes: [0xEF, 0xBB, 0xBF] + Array((Self.header + "7\t1\t2\tA?\tB?\t1\n").utf8))
            #expect(try PairReader().read(tsv).pairs.first?.id == "7")
            let csv = try scratch.write("bom.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("\"id\",\"question1\",\"question2\"\n8,A?,B?\n".utf8))
            #expect(try PairReader().read(csv).pairs == [
                QuestionPair(question1: "A?", question2: "B?", isDuplicate: nil, line: 2, id: "8"),
            ])
        }
    }

    @Test func labelAliasAndNoLabel() throws {
        try withReadersScratch { scratch in
            let labelled = try scratch.write("mrpc.tsv", "Label\tQuestion1\tQuestion2\n1\tA\tB\n0\tC\tD\n")
            #expect(try PairReader().read(labelled).pairs.map(\.isDuplicate) == [true, false])
            let unlabelled = try scratch.write("plain.tsv", "question1\tquestion2\textra\nA\tB\tx\n")
            #expect(try PairReader().read(unlabelled).pairs.map(\.isDuplicate) == [nil])
            let bad = try scratch.write("bad.tsv", "label\tquestion1\tquestion2\n1\tA\tB\nyes\tC\tD\n")
            #expect(message(bad) == "\(bad):3: label must be 0 or 1, found \"yes\"")
        }
    }

    @Test func aLongQuestionIsReadIntact() throws {
        try withReadersScratch { scratch in
            let long = String(repeating: "why ", count: 25_000) + "now?"  // 100,004 characters
            let path = try scratch.write("long.tsv", "question1\tquestion2\n\(long)\tshort?\n")
            let pair = try #require(try PairReader().read(path).pairs.first)
            #expect(pair.question1 == long)
            #expect(pair.question1.count == 100_004)
        }
    }

    // MARK: CSV

    @Test func csvQuotedFieldsWithCommasQuotesAndNewlines() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("train.csv", """
                "id","qid1","qid2","question1","question2","is_duplicate"
                "0","1","2","Is 1,000 a lot?","What does ""a lot"" mean?","0"
                "1","3","4","Line one
                line two?","Plain?","1"
                2,5,6,Unquoted?,"Also, quoted?",1

                """)
            let output = try PairReader().read(path)
            #expect(output.pairs == [
                QuestionPair(question1: "Is 1,000 a lot?", question2: "What does \"a lot\" mean?",
                             isDuplicate: false, qid1: "1", qid2: "2", line: 2, id: "0"),
                QuestionPair(question1: "Line one\nline two?", question2: "Plain?",
                             isDuplicate: true, qid1: "3", qid2: "4", line: 3, id: "1"),
                QuestionPair(question1: "Unquoted?", question2: "Also, quoted?",
                             isDuplicate: true, qid1: "5", qid2: "6", line: 5, id: "2"),
            ])
        }
    }

    @Test func csvLineNumbersCountNewlinesInsideQuotes() throws {
        try withReadersScratch { scratch in
            let lf = try scratch.write("lf.csv",
                "question1,question2,is_duplicate\n\"a\nb\nc\",d,1\ne,f,2\n")
            #expect(message(lf) == "\(lf):5: is_duplicate must be 0 or 1, found \"2\"")
            let crlf = try scratch.write("crlf.csv",
                "question1,question2,is_duplicate\r\n\"a\r\nb\",d,1\r\n\r\ne,f\r\n")
            #expect(message(crlf) == "\(crlf):5: expected 3 fields, found 2")
            let skipped = try PairReader(skipBad: true).read(crlf)
            #expect(skipped.pairs.map(\.question1) == ["a\r\nb"])
            #expect(skipped.pairs.map(\.line) == [2])
        }
    }

    @Test func csvUnterminatedQuoteThrowsEvenWhenSkipping() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.csv", "question1,question2\nA,B\n\"C,D\nE,F\nG,H\n")
            let expected = "\(path):3: a quoted field is never closed: the rest of the file is inside it"
            #expect(message(path) == expected)
            #expect(message(path, skipBad: true) == expected)
            // A closed multi-line field at the end of the file is fine.
            let closed = try scratch.write("closed.csv", "question1,question2\nA,\"B\nC\"\n\n")
            #expect(try PairReader().read(closed).pairs.map(\.question2) == ["B\nC"])
        }
    }

    @Test func sniffsTheDelimiterOfOtherExtensions() throws {
        try withReadersScratch { scratch in
            let tsv = try scratch.write("pairs.txt", "question1\tquestion2\n\"A\tB\n")
            #expect(try PairReader().read(tsv).pairs.map(\.question1) == ["\"A"])
            let csv = try scratch.write("pairs.data", "question1,question2\n\"A, a\",B\n")
            #expect(try PairReader().read(csv).pairs.map(\.question1) == ["A, a"])
            let neither = try scratch.write("pairs.dat", "question1 question2\nA B\n")
            #expect(message(neither) == "\(neither):1: cannot tell TSV from CSV: the first line has no tab or comma (name the file .tsv or .csv)")
        }
    }

    // MARK: Errors

    @Test func missingFile() throws {
        try withReadersScratch { scratch in
            let path = scratch.path("absent.tsv")
            #expect(message(path) == "\(path): no such file")
        }
    }

    @Test func directoryIsUnreadable() throws {
        try withReadersScratch { scratch in
            let path = scratch.directory.path
            #expect(message(path) == "\(path): cannot read: is a directory")
        }
    }

    @Test func emptyFile() throws {
        try withReadersScratch { scratch in
            let empty = try scratch.write("empty.tsv", "")
            #expect(message(empty) == "\(empty): empty file")
            let blank = try scratch.write("blank.csv", bytes: [0xEF, 0xBB, 0xBF, 0x0A, 0x0D, 0x0A])
            #expect(message(blank) == "\(blank): empty file")
        }
    }

    @Test func headerOnly() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("header.tsv", Self.header + "\n")
            #expect(message(path) == "\(path): no rows after the header")
        }
    }

    @Test func missingColumnsAreNamed() throws {
        try withReadersScratch { scratch in
            let both = try scratch.write("both.tsv", "id\tquestion\ttext\n1\ta\tb\n")
            #expect(message(both) == "\(both):1: missing column(s) question1, question2 (header: id, question, text)")
            let one = try scratch.write("one.csv", "question1,Question 2\na,b\n")
            #expect(message(one) == "\(one):1: missing column(s) question2 (header: question1, Question 2)")
        }
    }

    @Test func duplicateColumn() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("dup.tsv", "question1\tquestion2\tQUESTION1\na\tb\tc\n")
            #expect(message(path) == "\(path):1: duplicate column question1")
        }
    }

    @Test func wrongFieldCount() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", Self.header + "1\t1\t2\tA?\tB?\t1\n2\t3\t4\tC? D?\t0\n")
            #expect(message(path) == "\(path):3: expected 6 fields, found 5")
        }
    }

    @Test func badLabel() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", Self.header + "1\t1\t2\tA?\tB?\t0.5\n")
            #expect(message(path) == "\(path):2: is_duplicate must be 0 or 1, found \"0.5\"")
        }
    }

    @Test func invalidUTF8NamesTheLine() throws {
        try withReadersScratch { scratch in
            let rows = Array((Self.header + "1\t1\t2\tA?\tB?\t1\n2\t3\t4\tC").utf8) + [0xFF, 0xFE]
                + Array("?\tD?\t0\n3\t5\t6\tE\u{FFFD}?\tF?\t1\n".utf8)
            let tsv = try scratch.write("pairs.tsv", bytes: rows)
            #expect(message(tsv) == "\(tsv):3: invalid UTF-8")
            let skipped = try PairReader(skipBad: true).read(tsv)
            #expect(skipped.pairs.map(\.question1) == ["A?", "E\u{FFFD}?"])  // a real U+FFFD is text

            // In CSV the bad byte sits on line 3, inside a record that starts on line 2.
            let csv = try scratch.write("pairs.csv", bytes: Array("question1,question2\n\"A\nB".utf8) + [0xC3]
                + Array("\nC\",D\nE,F\n".utf8))
            #expect(message(csv) == "\(csv):3: invalid UTF-8")
            #expect(try PairReader(skipBad: true).read(csv).pairs.map(\.line) == [5])
        }
    }

    @Test func emptyQuestion() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", Self.header + "1\t1\t2\tA?\t \t1\n")
            #expect(message(path) == "\(path):2: empty question2")
        }
    }

    @Test func skipBadCountsAndContinues() throws {
        try withReadersScratch { scratch in
            let path = try scratch.write("pairs.tsv", Self.header
                + "1\t1\t2\tA?\tB?\t1\n"
                + "2\t3\t4\tC?\t0\n"
                + "3\t5\t6\tE?\tF?\tmaybe\n"
                + "4\t7\t8\t\tH?\t0\n"
                + "5\t9\t10\tI?\tJ?\t0\n")
            let output = try PairReader(skipBad: true).read(path)
            #expect(output.pairs.map(\.id) == ["1", "5"])
            #expect(output.skipped == 3)
            #expect(output.problems == [
                "\(path):3: expected 6 fields, found 5",
                "\(path):4: is_duplicate must be 0 or 1, found \"maybe\"",
                "\(path):5: empty question1",
            ])
            let capped = try PairReader(skipBad: true, problemLimit: 1).read(path)
            #expect(capped.skipped == 3)
            #expect(capped.problems == ["\(path):3: expected 6 fields, found 5"])
        }
    }

    // MARK: Real data

    private static let quoraDev = "/work/shared/data/quora/dev.tsv"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: quoraDev)))
    func readsTheQuoraDevSet() throws {
        let output = try PairReader().read(Self.quoraDev)
        #expect(output.pairs.count == 3_893)
        #expect(output.pairs.filter { $0.isDuplicate == true }.count == 1_917)
        #expect(output.pairs.allSatisfy { $0.qid1 != nil && $0.qid2 != nil })
    }
}
