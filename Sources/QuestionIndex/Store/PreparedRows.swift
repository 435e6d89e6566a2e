import SiameseNet

/// The rows of one input (or one slice of it), checked and keyed before anything is written: each row's
/// normalized text (its question's key) and the rows left out as bad. `QuestionStore.addRows` writes them.
public struct PreparedRows: Sendable {
    /// The input's name: external ids are unique per source.
    public let source: String
    let rows: [(text: String, externalID: String?, line: Int?)]
    /// Each row's key (`Tokenizer().normalized`), nil for a row left out as bad.
    let keys: [String?]
    /// Keys written before tokenizer version 2 lacked its NFC step: a text that is not in NFC had another key then.
    let legacyKeys: [Int: String]
    /// The rows left out as bad (only with `skipBad`).
    public internal(set) var skipped: [SkippedRow]

    /// Checks and keys `rows` of the input `source`.
    /// - Parameter skipBad: leave out a row without words and list it in `skipped`, instead of throwing.
    /// - Throws: `IndexError.rowWithoutWords` (unless `skipBad`).
    public init(_ rows: [SourceQuestion], source: String, skipBad: Bool) throws(IndexError) {
        try self.init(rows.map { ($0.text, $0.externalID, $0.line) }, source: source, skipBad: skipBad)
    }

    init(_ rows: [(text: String, externalID: String?, line: Int?)], source: String, skipBad: Bool) throws(IndexError) {
        self.source = source
        self.rows = rows
        let tokenizer = Tokenizer()
        var keys: [String?] = [], legacyKeys: [Int: String] = [:]
        var skipped: [SkippedRow] = []
        keys.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            let key = tokenizer.normalized(row.text)
            guard !key.isEmpty else {
                let error = row.line.map { IndexError.rowWithoutWords(source: source, line: $0) }
                    ?? .emptyQuestion(source: source, index: index)
                guard skipBad else { throw error }
                skipped.append(SkippedRow(line: row.line, problem: error.description))
                keys.append(nil)
                continue
            }
            keys.append(key)
            if row.text.utf8.contains(where: { $0 >= 0x80 }) {
                let legacy = Tokenizer(maxTokens: Int.max, version: 1).normalized(row.text)
                // By bytes: Swift's == holds for canonically equivalent strings, SQLite's UNIQUE does not.
                if !legacy.utf8.elementsEqual(key.utf8) { legacyKeys[index] = legacy }
            }
        }
        self.keys = keys
        self.legacyKeys = legacyKeys
        self.skipped = skipped
    }
}

extension PreparedRows {
    /// The next slice of up to `limit` rows of `stream`, checked and keyed as `init` does; nil at the end of
    /// the input. For `QuestionStore.addRows(inputs:sync:)`: an input read a slice at a time.
    /// - Parameters:
    ///   - skipBad: a malformed row or a row without words is counted in `skipped` and given to `skippedRow`
    ///     (its message), instead of thrown.
    ///   - rowsSoFar: rows of the input before this slice (kept and skipped), updated.
    /// - Throws: `ReaderError` for a malformed row (unless `skipBad`) or an input with no row at all
    ///   (`emptyFile`, `headerOnly`); `IndexError.rowWithoutWords` (unless `skipBad`).
    package static func nextSlice(of stream: inout QuestionStream, source: String, limit: Int, skipBad: Bool,
                                  rowsSoFar: inout Int, skippedRow: (String) -> Void) throws -> PreparedRows? {
        var rows: [SourceQuestion] = []
        var malformed: [SkippedRow] = []
        while rows.count < limit, let next = try stream.next() {
            switch next {
            case .success(let row): rows.append(row)
            case .failure(let error):
                guard skipBad else { throw error }
                malformed.append(SkippedRow(line: nil, problem: error.description))
                skippedRow(error.description)
            }
        }
        rowsSoFar += rows.count + malformed.count
        if rows.isEmpty && malformed.isEmpty {
            // As `QuestionReader`: a table with a header and no row, or a text file with no question.
            if rowsSoFar == 0 {
                throw stream.isTable ? ReaderError.headerOnly(file: stream.path) : .emptyFile(file: stream.path)
            }
            return nil
        }
        var prepared = try PreparedRows(rows, source: source, skipBad: skipBad)
        for row in prepared.skipped { skippedRow(row.problem) }
        prepared.skipped = malformed + prepared.skipped
        return prepared
    }
}
