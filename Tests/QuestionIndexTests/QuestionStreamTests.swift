import Foundation
import Testing
@testable import QuestionIndex

@Suite struct QuestionStreamTests {
    /// Every row of the file `name` holding `bytes`, read with a stream.
    private func rows(_ name: String, _ bytes: [UInt8]) throws -> [QuestionStream.Row] {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: name).path(percentEncoded: false)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var stream = try QuestionStream(path: path)
            defer { stream.close() }
            var rows: [QuestionStream.Row] = []
            while let row = try stream.next() { rows.append(row) }
            return rows
        }
    }

    private func rows(_ name: String, _ text: String) throws -> [QuestionStream.Row] {
        try rows(name, Array(text.utf8))
    }

    private func questions(_ rows: [QuestionStream.Row]) -> [SourceQuestion] {
        rows.compactMap { try? $0.get() }
    }

    @Test func plainLinesSkipBlanksAndKeepLineNumbers() throws {
        let read = try rows("new.txt", [0xEF, 0xBB, 0xBF] + Array("How old are you?\r\n\n  \nWhat is your age?".utf8))
        #expect(questions(read) == [SourceQuestion(text: "How old are you?", line: 1),
                                    SourceQuestion(text: "What is your age?", line: 4)])
    }

    /// The rule of every reader: a NUL (or ESC, DEL, …) in a row is that row's problem, naming its line.
    @Test func controlCharactersAreARowProblem() throws {
        let plain = try rows("new.txt", Array("How old are you?\nHow old\u{0} are you?\nWhat is your age?\n".utf8))
        try #require(plain.count == 3)
        guard case .failure(.controlCharacter(_, 2, 0)) = plain[1] else { Issue.record("\(plain[1])"); return }
        #expect(questions(plain).map(\.text) == ["How old are you?", "What is your age?"])
        let table = try rows("t.tsv", Array("id\tquestion\nT-1\tEsc\u{1B}[2J here\nT-2\tfine\n".utf8))
        guard case .failure(.controlCharacter(_, 2, 0x1B)) = table[0] else { Issue.record("\(table[0])"); return }
        #expect(questions(table).map(\.text) == ["fine"])
    }

    @Test func tsvRowsWithIdsAndProblemsPerRow() throws {
        let bytes = Array("note\tquestion\tid\nx\tHow old are you?\tT-1\n\ny\tonly two\nz\t  \tT-3\nw\tbad ".utf8)
            + [0xFF] + Array("\tT-4\nv\tWhat is your age?\t\n".utf8)
        let read = try rows("tickets.tsv", bytes)
        try #require(read.count == 5)
        #expect(try read[0].get() == SourceQuestion(text: "How old are you?", externalID: "T-1", line: 2))
        guard case .failure(.wrongFieldCount(_, 4, 3, 2)) = read[1] else { Issue.record("\(read[1])"); return }
        guard case .failure(.emptyQuestion(_, 5, "question")) = read[2] else { Issue.record("\(read[2])"); return }
        guard case .failure(.invalidUTF8(_, 6)) = read[3] else { Issue.record("\(read[3])"); return }
        #expect(try read[4].get() == SourceQuestion(text: "What is your age?", externalID: nil, line: 7))
    }

    @Test func csvQuotedFieldsSpanLinesAndAnOpenQuoteFailsItsRow() throws {
        let text = "id,question\nA,\"How much is the fish, please?\"\nB,\"multi\nline \"\"quoted\"\"\"\nC,Where is it?\nD,\"never closed\nE,lost\n"
        let read = try rows("new.csv", text)
        try #require(read.count == 4)
        #expect(questions(read) == [SourceQuestion(text: "How much is the fish, please?", externalID: "A", line: 2),
                                    SourceQuestion(text: "multi\nline \"quoted\"", externalID: "B", line: 3),
                                    SourceQuestion(text: "Where is it?", externalID: "C", line: 5)])
        guard case .failure(.unterminatedQuote(_, 6)) = read[3] else { Issue.record("\(read[3])"); return }
    }

    @Test func aFileLargerThanOneChunkReadsLikeTheWholeFileReader() throws {
        var text = "id\tquestion\n"
        for row in 0..<5_000 { text += "q\(row)\tQuestion number \(row) about a fairly long topic, to cross chunks?\n" }
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "many.tsv").path(percentEncoded: false)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(text.utf8.count > 3 * 65_536)
            var stream = try QuestionStream(path: path)
            var streamed: [SourceQuestion] = []
            while let row = try stream.next() { streamed.append(try row.get()) }
            stream.close()
            #expect(streamed == (try QuestionReader().read(path).questions))
            #expect(streamed.count == 5_000 && streamed.last?.line == 5_001)
        }
    }

    /// With `pairLayout` (as `index` reads), a pair file gives both questions of each row with their qids, as
    /// `QuestionReader` does; a row with either question empty is refused whole.
    @Test func pairLayoutReadsLikeTheWholeFileReader() throws {
        let text = "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t10\t11\tHow old are you?\tWhat is your age?\t1\n"
            + "2\t12\t13\tWhere?\t  \t0\n3\t14\t\tWho?\tWhy?\t0\n"
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "pairs.tsv").path(percentEncoded: false)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            var stream = try QuestionStream(path: path, pairLayout: true)
            #expect(stream.isTable && stream.hasExternalIDs)
            var read: [QuestionStream.Row] = []
            while let row = try stream.next() { read.append(row) }
            try #require(read.count == 5)
            guard case .failure(.emptyQuestion(_, 3, "question2")) = read[2] else { Issue.record("\(read[2])"); return }
            #expect(questions(read) == [
                SourceQuestion(text: "How old are you?", externalID: "10", line: 2),
                SourceQuestion(text: "What is your age?", externalID: "11", line: 2),
                SourceQuestion(text: "Who?", externalID: "14", line: 4), SourceQuestion(text: "Why?", externalID: nil, line: 4),
            ])
            #expect(throws: ReaderError.emptyQuestion(file: path, line: 3, column: "question2")) {
                try QuestionReader().read(path)
            }
            #expect(try QuestionReader(skipBad: true).read(path).questions == questions(read))
        }
    }

    @Test func aTableWithoutAQuestionColumnIsRefused() throws {
        #expect(throws: ReaderError.self) { try rows("pairs.tsv", "question1\tquestion2\na\tb\n") }
        #expect(throws: ReaderError.self) { try rows("empty.csv", "\n\n") }
    }

    #if os(Linux)
    @Test("a stream dropped early, its header refused or its rows unread, closes its file (found by the fuzzer)")
    func droppedStreamsCloseTheirFiles() throws {
        try withTemporaryDirectory { directory in
            let refused = directory.appending(path: "bad.csv").path(percentEncoded: false)
            try Data("id,text\n1,no question column\n".utf8).write(to: URL(fileURLWithPath: refused))
            let unread = directory.appending(path: "good.txt").path(percentEncoded: false)
            try Data("How old are you?\nWhere do you live?\n".utf8).write(to: URL(fileURLWithPath: unread))
            // Descriptors open on the two files (other tests run in this process at the same time: count only ours).
            func openOnOurFiles() throws -> Int {
                try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { entry in
                    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")
                    return target.map { $0.hasSuffix("/bad.csv") || $0.hasSuffix("/good.txt") } ?? false
                }.count
            }
            for _ in 0..<200 {
                #expect(throws: ReaderError.self) { _ = try QuestionStream(path: refused) }
                var stream = try QuestionStream(path: unread)
                _ = try stream.next()
            }
            #expect(try openOnOurFiles() == 0)
        }
    }
    #endif
}
