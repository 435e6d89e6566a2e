import Foundation
import GRDB
import Testing
@testable import QuestionIndex

/// `addRows(inputs:)`: an input without external ids (plain text, or a table without an id column) read a slice at
/// a time inside one transaction does what one call with every row does, and a bad row in a later slice leaves the
/// index as it was.
@Suite struct SlicedRowsTests {
    /// Lines with repeats (the same words on several lines, in different slices) and a few texts stored before.
    private static let lines = (1...60).map { "Question number \($0 % 13) about topic \($0 % 4)?" }

    /// An input without ids, read once, slice by slice, by `next`.
    private func once(_ source: String, _ next: @escaping () throws -> PreparedRows?) -> QuestionStore.SlicedInput {
        QuestionStore.SlicedInput(source: source, hasExternalIDs: false) { next }
    }

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
                        results.append(try store.addRows(inputs: [once(source) {
                            try PreparedRows.nextSlice(of: &stream, source: source, limit: sliceRows,
                                                       skipBad: false, rowsSoFar: &rowsSoFar) { _ in }
                        }]))
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
                try store.addRows(inputs: [once("input.txt") {
                    slices += 1
                    return try PreparedRows.nextSlice(of: &stream, source: "input.txt", limit: 10, skipBad: false,
                                                      rowsSoFar: &rowsSoFar) { _ in }
                }])
            }
            #expect(slices == 7, "six slices were written before the bad one")
            #expect(try snapshot(path) == before)
            // With skipBad the row is counted and the rest goes in.
            var again = try QuestionStream(path: input)
            rowsSoFar = 0
            var skipped: [String] = []
            let result = try store.addRows(inputs: [once("input.txt") {
                try PreparedRows.nextSlice(of: &again, source: "input.txt", limit: 10, skipBad: true,
                                           rowsSoFar: &rowsSoFar) { skipped.append($0) }
            }])
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

    // MARK: Inputs with external ids (read twice: the texts of each id, then the rows)

    /// A pair file with qids: ids repeat on many rows (the first row of an (id, text) stands for it), an id is
    /// given two texts, and a second version of the file changes, drops and moves rows.
    private static func pairFile(version: Int) -> String {
        var rows = ["qid1\tqid2\tquestion1\tquestion2\tis_duplicate"]
        for i in 0..<40 {
            let a = i % 9, b = (i * 7 + 3) % 11
            var q1 = "Question \(a) about topic \(a % 3)?", q2 = "Other question \(b)?"
            if version == 2 && a == 4 { q1 = "Question four, reworded?" }  // id 4's text changes everywhere
            if version == 2 && b == 5 && i % 2 == 0 { q2 = "A second text for id 105?" }  // id 105: two texts
            if version == 2 && a == 7 { continue }  // id 7's rows are gone (and with them some of id 1xx's)
            rows.append("\(a)\t\(100 + b)\t\(q1)\t\(q2)\t0")
        }
        // An id given two texts in one version too, far apart.
        rows.insert("8\t200\tQuestion 8 about topic 2?\tId two hundred, first text?\t0", at: 2)
        rows.append("8\t200\tQuestion 8 about topic 2?\tId two hundred, second text?\t0")
        return rows.joined(separator: "\n") + "\n"
    }

    private func entries(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: """
                SELECT e.id || '|' || q.normalized || '|' || e.source || '|' || ifnull(e.external_id, '-') || '|' || e.line
                FROM question_entry e JOIN question q ON q.id = e.question_id ORDER BY e.id
                """) + [String(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? -1)]
        }
    }

    @Test(arguments: [1, 7, 100])
    func inputsWithIdsInSlicesDoWhatOneCallDoes(sliceRows: Int) throws {
        try withTemporaryDirectory { directory in
            let input = directory.appending(path: "pairs.tsv").path(percentEncoded: false)
            var results: [[IndexedRows]] = [[], []], snapshots: [[String]] = [[], []]
            for (index, sliced) in [false, true].enumerated() {
                let path = directory.appending(path: "index\(index).sqlite").path(percentEncoded: false)
                let store = try QuestionStore(path: path, mode: .readWrite)
                for (version, sync) in [(1, false), (1, false), (2, false), (2, true), (1, true)] {
                    try Self.pairFile(version: version).write(toFile: input, atomically: true, encoding: .utf8)
                    if sliced {
                        let slices = QuestionStore.SlicedInput(source: "pairs.tsv", hasExternalIDs: true) {
                            var stream = try QuestionStream(path: input, pairLayout: true)
                            var rowsSoFar = 0
                            return {
                                try PreparedRows.nextSlice(of: &stream, source: "pairs.tsv", limit: sliceRows,
                                                           skipBad: false, rowsSoFar: &rowsSoFar) { _ in }
                            }
                        }
                        results[index].append(try store.addRows(inputs: [slices], sync: sync))
                    } else {
                        let output = try QuestionReader().read(input)
                        results[index].append(try store.addRows(PreparedRows(output.questions, source: "pairs.tsv",
                                                                             skipBad: false), sync: sync))
                    }
                    snapshots[index].append(contentsOf: try entries(path) + ["--"])
                }
            }
            #expect(results[1] == results[0])
            #expect(snapshots[1] == snapshots[0])
            // What the versions did (the same either way): repeated rows stand for their first; the second run
            // changes nothing; version 2 updates id 4 and adds id 105's second text, and keeps id 7's rows (an id
            // the input does not give is left alone) until --sync removes them; version 1 with --sync then removes
            // id 105's second text and brings back id 7.
            #expect(results[0][0].repeatedRows > 0 && results[0][0].newRows > 0)
            #expect(results[0][1].newRows == 0 && results[0][1].updatedRows == 0 && results[0][1].removedRows == 0)
            #expect(results[0][2].updatedRows >= 1 && results[0][2].newRows >= 1 && results[0][2].removedRows == 0)
            #expect(results[0][3].removedRows >= 1 && results[0][3].newRows == 0)
            #expect(results[0][4].removedRows >= 1 && results[0][4].newRows >= 1)
        }
    }

    /// A bad row found while noting the ids (the first reading) rolls everything back, as in the writing one.
    @Test func aBadRowInAnInputWithIdsLeavesTheIndexAsItWas() throws {
        try withTemporaryDirectory { directory in
            let input = directory.appending(path: "t.tsv").path(percentEncoded: false)
            try "id\tquestion\nA\tHow old are you?\nB\t???\n".write(toFile: input, atomically: true, encoding: .utf8)
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let store = try QuestionStore(path: path, mode: .readWrite)
            _ = try store.addRows([SourceQuestion(text: "Stored before", externalID: "A", line: 1)], source: "t.tsv")
            let before = try entries(path)
            var readings = 0
            let slices = QuestionStore.SlicedInput(source: "t.tsv", hasExternalIDs: true) {
                readings += 1
                var stream = try QuestionStream(path: input, pairLayout: true)
                var rowsSoFar = 0
                return {
                    try PreparedRows.nextSlice(of: &stream, source: "t.tsv", limit: 1, skipBad: false,
                                               rowsSoFar: &rowsSoFar) { _ in }
                }
            }
            #expect(throws: IndexError.rowWithoutWords(source: "t.tsv", line: 3)) {
                try store.addRows(inputs: [slices])
            }
            #expect(readings == 1)
            #expect(try entries(path) == before)
        }
    }
}
