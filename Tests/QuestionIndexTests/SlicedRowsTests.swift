import Foundation
import GRDB
import Testing
@testable import QuestionIndex

/// `addRows(slices:)`: an input without external ids (plain text, or a table without an id column) read a slice at
/// a time inside one transaction does what one call with every row does, and a bad row in a later slice leaves the
/// index as it was.
@Suite struct SlicedRowsTests {
    /// Lines with repeats (the same words on several lines, in different slices) and a few texts stored before.
    private static let lines = (1...60).map { "Question number \($0 % 13) about topic \($0 % 4)?" }

    private func file(_ lines: [String], in directory: URL) throws -> String {
        let path = directory.appending(path: "input.txt").path(percentEncoded: false)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func snapshot(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: """
                SELECT q.id || '|' || q.normalized || '|' || e.source || '|' || e.line FROM question_entry e
                JOIN question q ON q.id = e.question_id ORDER BY e.id
                """) + [String(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question_fts_docsize") ?? -1)]
        }
    }

    /// The lines as an input of `kind`: plain text; a one-column table; a pair-layout table (rows of two lines,
    /// both questions indexed, a pair split across slices when the slice size is odd); a CSV with quoted fields.
    private func input(_ kind: String, in directory: URL) throws -> String {
        let path = directory.appending(path: "input.\(kind == "txt" ? "txt" : kind == "csv" ? "csv" : "tsv")")
            .path(percentEncoded: false)
        let text: String
        switch kind {
        case "txt": text = Self.lines.joined(separator: "\n")
        case "tsv": text = (["question"] + Self.lines).joined(separator: "\n")
        case "pairs":
            text = (["question1\tquestion2\tis_duplicate"]
                    + stride(from: 0, to: Self.lines.count, by: 2).map { "\(Self.lines[$0])\t\(Self.lines[$0 + 1])\t0" })
                .joined(separator: "\n")
        default: text = (["note,question"] + Self.lines.map { "\"a, b\",\"\($0)\"" }).joined(separator: "\r\n")
        }
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["txt", "tsv", "pairs", "csv"], [1, 7, 60, 100])
    func slicesDoWhatOneCallDoes(kind: String, sliceRows: Int) throws {
        try withTemporaryDirectory { directory in
            let input = try input(kind, in: directory)
            let source = (input as NSString).lastPathComponent
            var results: [IndexedRows] = [], snapshots: [[String]] = []
            for (index, sliced) in [false, true].enumerated() {
                let path = directory.appending(path: "index\(index).sqlite").path(percentEncoded: false)
                let store = try QuestionStore(path: path, mode: .readWrite)
                _ = try store.addRows([SourceQuestion(text: "Question number 3 about topic 3?", externalID: nil, line: 1)],
                                      source: "before.txt")
                for _ in 0..<2 {  // the second time, every row is unchanged
                    if sliced {
                        var stream = try QuestionStream(path: input, pairLayout: true)
                        #expect(!stream.hasExternalIDs && stream.isTable == (kind != "txt"))
                        var rowsSoFar = 0
                        results.append(try store.addRows(slices: {
                            try PreparedRows.nextSlice(of: &stream, source: source, limit: sliceRows,
                                                       skipBad: false, rowsSoFar: &rowsSoFar) { _ in }
                        }))
                    } else {
                        let output = try QuestionReader().read(input)
                        results.append(try store.addRows(PreparedRows(output.questions, source: source,
                                                                      skipBad: false)))
                    }
                }
                snapshots.append(try snapshot(path))
            }
            #expect(results[2] == results[0] && results[3] == results[1])
            // 52 texts (lines 53–60 repeat lines 1–8), one of them stored before.
            #expect(results[0].addedQuestions.count == 51)
            if kind != "pairs" {
                #expect(results[0].newRows == 60)
                #expect(results[1].unchangedRows == 60 && results[1].newRows == 0)
            }
            #expect(snapshots[1] == snapshots[0])
        }
    }

    @Test func aBadRowInALaterSliceLeavesTheIndexAsItWas() throws {
        try withTemporaryDirectory { directory in
            let input = try file(Self.lines + ["???"] + Self.lines, in: directory)
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let store = try QuestionStore(path: path, mode: .readWrite)
            _ = try store.addRows([SourceQuestion(text: "Stored before", externalID: nil, line: 1)], source: "a.txt")
            let before = try snapshot(path)
            var stream = try QuestionStream(path: input)
            var rowsSoFar = 0, slices = 0
            #expect(throws: IndexError.rowWithoutWords(source: "input.txt", line: 61)) {
                try store.addRows(slices: {
                    slices += 1
                    return try PreparedRows.nextSlice(of: &stream, source: "input.txt", limit: 10, skipBad: false,
                                                      rowsSoFar: &rowsSoFar) { _ in }
                })
            }
            #expect(slices == 7, "six slices were written before the bad one")
            #expect(try snapshot(path) == before)
            // With skipBad the row is counted and the rest goes in.
            var again = try QuestionStream(path: input)
            rowsSoFar = 0
            var skipped: [String] = []
            let result = try store.addRows(slices: {
                try PreparedRows.nextSlice(of: &again, source: "input.txt", limit: 10, skipBad: true,
                                           rowsSoFar: &rowsSoFar) { skipped.append($0) }
            })
            #expect(skipped.count == 1 && skipped[0].hasPrefix("input.txt:61:") && result.skipped.count == 1)
            #expect(result.newRows == 120)
        }
    }

    /// A table with a header and no row: the same error as the whole-file reader's.
    @Test func aTableWithOnlyAHeaderIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "input.tsv").path(percentEncoded: false)
            try "id\tquestion\n\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(throws: ReaderError.headerOnly(file: path)) { try QuestionReader().read(path) }
            var stream = try QuestionStream(path: path, pairLayout: true)
            #expect(stream.hasExternalIDs)
            var rowsSoFar = 0
            #expect(throws: ReaderError.headerOnly(file: path)) {
                _ = try PreparedRows.nextSlice(of: &stream, source: "input.tsv", limit: 10, skipBad: false,
                                               rowsSoFar: &rowsSoFar) { _ in }
            }
        }
    }

    @Test func anEmptyInputIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { directory in
            let input = try file(["", "   "], in: directory)
            var stream = try QuestionStream(path: input)
            var rowsSoFar = 0
            #expect(throws: ReaderError.emptyFile(file: input)) {
                _ = try PreparedRows.nextSlice(of: &stream, source: "input.txt", limit: 10, skipBad: false,
                                               rowsSoFar: &rowsSoFar) { _ in }
            }
        }
    }
}
