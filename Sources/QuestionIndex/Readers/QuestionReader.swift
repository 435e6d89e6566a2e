/// Reads the questions to add to the index from a file.
///
/// Format, chosen by extension:
/// - `.tsv` or `.csv` (read as `PairReader` describes, header required): a `question` column, with an
///   optional `id` column as the external id; else the pair layout, `question1` and `question2`, where both
///   questions of every row are read, with `qid1` and `qid2` as their external ids when present (so every
///   question of a pair file can be indexed). Other columns are ignored.
/// - anything else: plain UTF-8 text, one question per line (LF or CRLF), no header; blank lines are
///   skipped.
///
/// A UTF-8 byte-order mark is ignored, questions are trimmed of surrounding white space, and repeated
/// questions are all returned: deduplication is the index's job.
public struct QuestionReader: Sendable {
    /// The questions of a file, with the malformed rows that were skipped.
    public struct Output: Sendable, Equatable {
        /// In file order; a pair-layout row gives `question1` then `question2`.
        public var questions: [SourceQuestion]
        /// How many malformed rows or lines were skipped (always 0 unless `skipBad`).
        public var skipped: Int
        /// The messages of the first `problemLimit` skipped rows, in file order.
        public var problems: [String]
    }

    /// Skip malformed rows (wrong field count, invalid UTF-8, empty question) and count them, instead of
    /// throwing at the first. Problems with the file as a whole always throw.
    public var skipBad: Bool
    /// The most skipped-row messages kept in `Output.problems`.
    public var problemLimit: Int

    /// A reader that throws at the first malformed row unless `skipBad`.
    public init(skipBad: Bool = false, problemLimit: Int = 100) {
        self.skipBad = skipBad
        self.problemLimit = problemLimit
    }

    /// Reads every question of the file at `path`.
    /// - Throws: `ReaderError`: the file is missing, unreadable or empty (or only blank lines); a table has
    ///   only a header or no question column, or a CSV quoted field is never closed; or, unless `skipBad`,
    ///   the first malformed row.
    /// - Complexity: O(n) in the file size. Reads the whole file into memory once.
    public func read(_ path: String) throws(ReaderError) -> Output {
        let bytes = try FileBytes.load(path)
        var log = ProblemLog(skipBad: skipBad, limit: problemLimit)
        let questions: [SourceQuestion]
        if let format = TableFormat(extensionOf: path) {
            var table = try DelimitedTable(file: path, bytes: consume bytes, format: format)
            questions = try readTable(&table, path: path, log: &log)
        } else {
            questions = try readLines(bytes, path: path, log: &log)
        }
        return Output(questions: questions, skipped: log.skipped, problems: log.problems)
    }

    private func readTable(
        _ table: inout DelimitedTable, path: String, log: inout ProblemLog
    ) throws(ReaderError) -> [SourceQuestion] {
        let columns = try QuestionColumns(table.header)
        var questions: [SourceQuestion] = []
        var rows = 0
        while let record = table.next() {
            rows += 1
            do throws(ReaderError) {
                questions.append(contentsOf: try columns.questions(from: table.fields(of: record), line: record.line))
            } catch {
                try log.skip(error)
            }
        }
        guard rows > 0 else { throw .headerOnly(file: path) }
        return questions
    }

    private func readLines(
        _ bytes: [UInt8], path: String, log: inout ProblemLog
    ) throws(ReaderError) -> [SourceQuestion] {
        var lines = LineScanner(bytes)
        var questions: [SourceQuestion] = []
        while let line = lines.next() {
            guard UTF8Validator.isValid(bytes, line.range) else {
                try log.skip(.invalidUTF8(file: path, line: line.number))
                continue
            }
            if let code = ControlCharacters.first(in: bytes, line.range) {
                try log.skip(.controlCharacter(file: path, line: line.number, code: code))
                continue
            }
            let text = FieldValue.trimmed(String(decoding: bytes[line.range], as: UTF8.self))
            if text.isEmpty { continue }
            questions.append(SourceQuestion(text: text, externalID: nil, line: line.number))
        }
        guard !questions.isEmpty || log.skipped > 0 else { throw .emptyFile(file: path) }
        return questions
    }
}

/// Where the questions are in a header (a `question` column or the pair layout), and how a row of fields
/// becomes questions.
private struct QuestionColumns {
    /// A question column and the column of its external id.
    private typealias Source = (text: Int, name: String, id: Int?)

    let file: String
    private let sources: [Source]

    init(_ header: TableHeader) throws(ReaderError) {
        file = header.file
        if let question = try header.column("question") {
            sources = [(question, "question", try header.column("id"))]
        } else if let question1 = try header.column("question1"), let question2 = try header.column("question2") {
            sources = [
                (question1, "question1", try header.column("qid1")),
                (question2, "question2", try header.column("qid2")),
            ]
        } else {
            throw .noQuestionColumn(file: header.file, line: header.line, found: header.names)
        }
    }

    /// The row's questions; the whole row is rejected if any of them is empty.
    func questions(from fields: [String], line: Int) throws(ReaderError) -> [SourceQuestion] {
        var questions: [SourceQuestion] = []
        for source in sources {
            let text = FieldValue.trimmed(fields[source.text])
            guard !text.isEmpty else { throw .emptyQuestion(file: file, line: line, column: source.name) }
            let id = source.id.flatMap { FieldValue.identifier(fields[$0]) }
            questions.append(SourceQuestion(text: text, externalID: id, line: line))
        }
        return questions
    }
}
