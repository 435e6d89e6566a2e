/// Reads labelled question pairs, the training and evaluation data of the Siamese model, from a TSV or CSV
/// file such as the Quora `train.tsv` or Kaggle `train.csv`.
///
/// Format, chosen by extension:
/// - `.tsv`: UTF-8, one header line, fields separated by tabs, no quoting: a `"` is an ordinary character
///   (the Quora TSVs contain stray quotes). Lines end with LF or CRLF.
/// - `.csv`: RFC 4180 with a header line, parsed by CSV.swift: quoted fields may hold commas, doubled quotes
///   and line breaks. Records end with LF, CRLF or CR.
/// - any other extension: the first non-empty line is sniffed; a tab means TSV, else a comma means CSV.
///
/// Columns are found by header name, case-insensitive and trimmed: `question1` and `question2` are required;
/// `is_duplicate` (or its alias `label`, used only when there is no `is_duplicate`) holds 0 or 1; `qid1`,
/// `qid2` and `id` are optional; other columns are ignored. A UTF-8 byte-order mark and empty lines are
/// ignored. Questions and ids are trimmed of surrounding white space; an empty id reads as nil.
///
/// Line numbers are 1-based physical lines, header included; a CSV record spanning lines is numbered by its
/// first line.
public struct PairReader: Sendable {
    /// The pairs of a file, with the malformed rows that were skipped.
    public struct Output: Sendable, Equatable {
        /// The pairs read, in file order.
        public var pairs: [QuestionPair]
        /// How many malformed rows were skipped (always 0 unless `skipBad`).
        public var skipped: Int
        /// The messages of the first `problemLimit` skipped rows, in file order.
        public var problems: [String]
    }

    /// Skip malformed rows (wrong field count, bad label, invalid UTF-8, empty question) and count them,
    /// instead of throwing at the first. Problems with the file as a whole always throw.
    public var skipBad: Bool
    /// The most skipped-row messages kept in `Output.problems`.
    public var problemLimit: Int

    /// A reader that throws at the first malformed row unless `skipBad`.
    public init(skipBad: Bool = false, problemLimit: Int = 100) {
        self.skipBad = skipBad
        self.problemLimit = problemLimit
    }

    /// Reads every pair of the file at `path`.
    ///
    /// When `skipBad` is true and every row is malformed, the output is empty and `skipped` counts the rows.
    /// - Throws: `ReaderError`: the file is missing, unreadable, empty, has only a header, lacks `question1`
    ///   or `question2`, or a CSV quoted field is never closed; or, unless `skipBad`, the first malformed row.
    /// - Complexity: O(n) in the file size. Reads the whole file into memory once; a CSV file is also decoded
    ///   once into a string for the CSV parser.
    public func read(_ path: String) throws(ReaderError) -> Output {
        let bytes = try FileBytes.load(path)
        let format = try TableFormat.detect(file: path, bytes: bytes)
        var table = try DelimitedTable(file: path, bytes: consume bytes, format: format)
        let columns = try PairColumns(table.header)

        var log = ProblemLog(skipBad: skipBad, limit: problemLimit)
        var pairs: [QuestionPair] = []
        var rows = 0
        while let record = table.next() {
            rows += 1
            do throws(ReaderError) {
                pairs.append(try columns.pair(from: table.fields(of: record), line: record.line))
            } catch {
                try log.skip(error)
            }
        }
        guard rows > 0 else { throw .headerOnly(file: path) }
        return Output(pairs: pairs, skipped: log.skipped, problems: log.problems)
    }
}

/// Where the pair columns are in a header, and how a row of fields becomes a `QuestionPair`.
private struct PairColumns {
    let file: String
    let question1: Int
    let question2: Int
    let label: (index: Int, name: String)?
    let qid1: Int?
    let qid2: Int?
    let id: Int?

    init(_ header: TableHeader) throws(ReaderError) {
        file = header.file
        let question1 = try header.column("question1")
        let question2 = try header.column("question2")
        guard let question1, let question2 else {
            let missing = [("question1", question1), ("question2", question2)].filter { $0.1 == nil }.map(\.0)
            throw .missingColumns(file: header.file, line: header.line, missing: missing, found: header.names)
        }
        self.question1 = question1
        self.question2 = question2
        if let index = try header.column("is_duplicate") {
            label = (index, "is_duplicate")
        } else if let index = try header.column("label") {
            label = (index, "label")
        } else {
            label = nil
        }
        qid1 = try header.column("qid1")
        qid2 = try header.column("qid2")
        id = try header.column("id")
    }

    func pair(from fields: [String], line: Int) throws(ReaderError) -> QuestionPair {
        QuestionPair(
            question1: try question(fields[question1], column: "question1", line: line),
            question2: try question(fields[question2], column: "question2", line: line),
            isDuplicate: try label.map { label throws(ReaderError) in
                try isDuplicate(fields[label.index], column: label.name, line: line)
            },
            qid1: qid1.flatMap { FieldValue.identifier(fields[$0]) },
            qid2: qid2.flatMap { FieldValue.identifier(fields[$0]) },
            line: line,
            id: id.flatMap { FieldValue.identifier(fields[$0]) }
        )
    }

    private func question(_ field: String, column: String, line: Int) throws(ReaderError) -> String {
        let text = FieldValue.trimmed(field)
        guard !text.isEmpty else { throw .emptyQuestion(file: file, line: line, column: column) }
        return text
    }

    private func isDuplicate(_ field: String, column: String, line: Int) throws(ReaderError) -> Bool {
        switch FieldValue.trimmed(field) {
        case "0": return false
        case "1": return true
        default: throw .invalidLabel(file: file, line: line, column: column, value: field)
        }
    }
}
