import Foundation

/// Why an input file (question pairs or questions to index) could not be read.
///
/// Each case names the file and, where it applies, the 1-based physical line, so the command line can print
/// `description` as is: one line, `FILE:LINE: problem`, never a stack trace.
public enum ReaderError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file does not exist.
    case fileNotFound(file: String)
    /// The file exists but could not be opened or read (permissions, a directory, an I/O error).
    case unreadable(file: String, reason: String)
    /// The file holds nothing but an optional byte-order mark and line breaks: no header, no questions.
    case emptyFile(file: String)
    /// A TSV or CSV file has a header line but no data rows.
    case headerOnly(file: String)
    /// A file without a `.tsv` or `.csv` extension whose first line has neither a tab nor a comma.
    case unknownDelimiter(file: String, line: Int)
    /// The header lacks required columns (`missing`); `found` lists the header as written.
    case missingColumns(file: String, line: Int, missing: [String], found: [String])
    /// A question file's header has neither a `question` column nor `question1` and `question2`.
    case noQuestionColumn(file: String, line: Int, found: [String])
    /// Two header columns share a name that the reader uses, so the right one cannot be chosen.
    case duplicateColumn(file: String, line: Int, name: String)
    /// A row has a different number of fields than the header.
    case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
    /// A label (`is_duplicate` or `label`) is neither 0 nor 1.
    case invalidLabel(file: String, line: Int, column: String, value: String)
    /// The line holds bytes that are not well-formed UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// A CSV quoted field opened on `line` is never closed, so the rest of the file cannot be split into rows.
    /// Never skipped by `skipBad`: the rows after it are lost, not malformed.
    case unterminatedQuote(file: String, line: Int)
    /// A question is empty or only white space.
    case emptyQuestion(file: String, line: Int, column: String)
    /// The line holds a control character other than tab and line breaks (NUL, ESC, …): `code` is its value.
    case controlCharacter(file: String, line: Int, code: UInt8)
    /// A CSV quoted field opened on `line` runs across `rowLine`, which holds a whole row's delimiters: most
    /// likely its closing quote is missing and the rows after it were swallowed. Never skipped by `skipBad`.
    case runawayQuote(file: String, line: Int, rowLine: Int)
    /// The file is larger than the input limit of `limit` bytes.
    case fileTooLarge(file: String, limit: Int)
    /// A line is longer than `limit` bytes (a binary file, or an endless stream without line breaks).
    case lineTooLong(file: String, line: Int, limit: Int)

    /// One line: `FILE:LINE: problem`, or `FILE: problem` for errors about the whole file.
    public var description: String {
        switch self {
        case .fileNotFound(let file):
            "\(file): no such file"
        case .unreadable(let file, let reason):
            "\(file): cannot read: \(reason)"
        case .emptyFile(let file):
            "\(file): empty file"
        case .headerOnly(let file):
            "\(file): no rows after the header"
        case .unknownDelimiter(let file, let line):
            "\(file):\(line): cannot tell TSV from CSV: the first line has no tab or comma (name the file .tsv or .csv)"
        case .missingColumns(let file, let line, let missing, let found):
            "\(file):\(line): missing column(s) \(missing.joined(separator: ", ")) (header: \(Self.list(found)))"
        case .noQuestionColumn(let file, let line, let found):
            "\(file):\(line): no question column: expected question, or question1 and question2 (header: \(Self.list(found)))"
        case .duplicateColumn(let file, let line, let name):
            "\(file):\(line): duplicate column \(name)"
        case .wrongFieldCount(let file, let line, let expected, let found):
            "\(file):\(line): expected \(expected) fields, found \(found)"
        case .invalidLabel(let file, let line, let column, let value):
            "\(file):\(line): \(column) must be 0 or 1, found \(Self.quoted(value))"
        case .invalidUTF8(let file, let line):
            "\(file):\(line): invalid UTF-8"
        case .unterminatedQuote(let file, let line):
            "\(file):\(line): a quoted field is never closed: the rest of the file is inside it"
        case .emptyQuestion(let file, let line, let column):
            "\(file):\(line): empty \(column)"
        case .controlCharacter(let file, let line, let code):
            "\(file):\(line): control character \(Self.codePoint(code)) (only tab and line breaks are allowed)"
        case .runawayQuote(let file, let line, let rowLine):
            "\(file):\(line): the quoted field opened on this line runs on over line \(rowLine), which looks like a "
                + "row of its own: is a closing quote missing?"
        case .fileTooLarge(let file, let limit):
            "\(file): larger than the input limit of \(Self.size(limit))"
        case .lineTooLong(let file, let line, let limit):
            "\(file):\(line): line longer than \(Self.size(limit)) (is this a text file?)"
        }
    }

    /// The same message as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }

    /// "U+0000", the way a character's code is written.
    private static func codePoint(_ code: UInt8) -> String {
        let hex = String(code, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// "1 MiB", "2 GiB".
    private static func size(_ bytes: Int) -> String {
        bytes >= 1 << 30 && bytes % (1 << 30) == 0 ? "\(bytes >> 30) GiB" : "\(bytes >> 20) MiB"
    }

    /// Header names for a message, each escaped so that the message stays on one line.
    private static func list(_ names: [String]) -> String {
        names.map { String(String(reflecting: $0).dropFirst().dropLast()) }.joined(separator: ", ")
    }

    /// A field value for a message: shortened, quoted and escaped so that the message stays on one line.
    private static func quoted(_ value: String) -> String {
        let limit = 40
        let shown = value.count > limit ? String(value.prefix(limit)) + "…" : value
        return String(reflecting: shown)
    }
}
