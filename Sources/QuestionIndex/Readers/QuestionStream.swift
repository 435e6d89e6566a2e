#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the questions of a file row by row, holding only the current chunk: for `siamese check` on inputs of
/// any size, where output must start before the end of the input.
///
/// Formats as `QuestionReader` (chosen by extension): plain text, one question per line (blank lines skipped);
/// `.tsv` (no quoting) or `.csv` (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) with a
/// header holding a `question` column and an optional `id` column; with `pairLayout` (what `index` reads), else
/// `question1` and `question2` with optional `qid1` and `qid2`, both questions of each row in turn (a row with
/// either question empty is refused whole). Lines end at LF or CRLF. A UTF-8 byte-order mark is ignored. Path
/// `-` reads stdin as plain text.
///
/// Each `next()` returns a row or the problem with that row (wrong field count, invalid UTF-8, empty question
/// field); the caller decides whether it is fatal. Problems with the file as a whole (missing, no header, no
/// question column) throw from `init`.
public struct QuestionStream {
    /// A row of the file: its question, or why it has none.
    public typealias Row = Result<SourceQuestion, ReaderError>

    /// The path as given to `init` ("-" reads standard input), used in messages.
    public let path: String
    private var lines: ChunkedLines

    /// The share of the file read so far, for an ETA; nil when its size is unknown (stdin, a pipe).
    public var fractionRead: Double? { lines.fractionRead }

    /// Whether the file at `path` is read as plain text, one question per line (no table, so no ids): `-`,
    /// or a name without a table extension.
    public static func isPlainText(path: String) -> Bool {
        path == "-" || TableFormat(extensionOf: path) == nil
    }

    /// Closes the file (not stdin); the stream must not be read afterwards.
    public func close() { lines.closeFile() }
    private let layout: Layout
    /// The second question of a pair-layout row, returned by the next `next()`.
    private var pending: SourceQuestion?

    /// A question column of a table: its index, its name (for messages) and its id column's index.
    private typealias Column = (text: Int, name: String, id: Int?)

    private enum Layout {
        case plain
        case table(format: TableFormat, header: TableHeader, columns: [Column])
    }

    /// Whether the file is a table (with a header), not plain text.
    public var isTable: Bool {
        if case .table = layout { return true }
        return false
    }

    /// Whether the file is read as CSV. `QuestionReader` refuses a quoted field that runs on over a line that looks
    /// like a row (a quote left open), naming both lines; this stream reads such a field to its closing quote.
    public var isCSV: Bool {
        if case .table(.csv, _, _) = layout { return true }
        return false
    }

    /// Whether rows may carry external ids: a table with an `id` column (or `qid1`/`qid2`).
    public var hasExternalIDs: Bool {
        guard case .table(_, _, let columns) = layout else { return false }
        return columns.contains { $0.id != nil }
    }

    /// Opens `path` and reads its header (tables).
    /// - Parameter pairLayout: also accept the pair layout (`question1`, `question2`), as `index` does.
    /// - Throws: `ReaderError.fileNotFound`/`.unreadable`, `.emptyFile` (no line with content), `.invalidUTF8`
    ///   in the header, `.noQuestionColumn`, `.duplicateColumn`.
    public init(path: String, pairLayout: Bool = false) throws(ReaderError) {
        self.path = path
        lines = try ChunkedLines(path: path)
        guard path != "-", let format = TableFormat(extensionOf: path) else {
            layout = .plain
            return
        }
        var headerFields: [String]?, headerLine = 0
        while let record = try Self.nextRecord(&lines, format: format, path: path) {
            if record.isBlank { continue }
            headerLine = record.line
            headerFields = try record.fields.get()
            break
        }
        guard let headerFields else { throw .emptyFile(file: path) }
        let header = TableHeader(file: path, line: headerLine, fields: headerFields)
        // The columns as `QuestionReader` finds them.
        if let question = try header.column("question") {
            layout = .table(format: format, header: header, columns: [(question, "question", try header.column("id"))])
        } else if pairLayout, let question1 = try header.column("question1"), let question2 = try header.column("question2") {
            layout = .table(format: format, header: header, columns: [
                (question1, "question1", try header.column("qid1")), (question2, "question2", try header.column("qid2")),
            ])
        } else {
            throw .noQuestionColumn(file: path, line: headerLine, found: header.names)
        }
    }

    /// The next row, or nil at the end of the file.
    /// - Throws: `ReaderError.unreadable` when reading fails midway.
    public mutating func next() throws(ReaderError) -> Row? {
        switch layout {
        case .plain:
            while let line = try lines.next() {
                guard UTF8Validator.isValid(line.bytes, 0..<line.bytes.count) else {
                    return .failure(.invalidUTF8(file: path, line: line.number))
                }
                // The rule of every reader: NUL, ESC and the like are refused, naming the line.
                if let code = ControlCharacters.first(in: line.bytes, 0..<line.bytes.count) {
                    return .failure(.controlCharacter(file: path, line: line.number, code: code))
                }
                let text = FieldValue.trimmed(String(decoding: line.bytes, as: UTF8.self))
                if text.isEmpty { continue }
                return .success(SourceQuestion(text: text, externalID: nil, line: line.number))
            }
            return nil
        case .table(let format, let header, let columns):
            if let pending {
                self.pending = nil
                return .success(pending)
            }
            while let record = try Self.nextRecord(&lines, format: format, path: path) {
                if record.isBlank { continue }
                let fields: [String]
                switch record.fields {
                case .failure(let error): return .failure(error)
                case .success(let value): fields = value
                }
                guard fields.count == header.names.count else {
                    return .failure(.wrongFieldCount(file: path, line: record.line, expected: header.names.count,
                                                     found: fields.count))
                }
                var questions: [SourceQuestion] = []
                for column in columns {
                    let text = FieldValue.trimmed(fields[column.text])
                    guard !text.isEmpty else {
                        return .failure(.emptyQuestion(file: path, line: record.line, column: column.name))
                    }
                    questions.append(SourceQuestion(text: text, externalID: column.id.flatMap { FieldValue.identifier(fields[$0]) },
                                                    line: record.line))
                }
                pending = questions.count > 1 ? questions[1] : nil
                return .success(questions[0])
            }
            return nil
        }
    }

    /// One record: the line it starts on and its fields (or why they cannot be read).
    private struct Record {
        let line: Int
        let fields: Result<[String], ReaderError>
        let isBlank: Bool
    }

    /// The next record of a table: one line for TSV; for CSV, lines are joined while a quoted field is open
    /// (an odd number of quotes so far), then split into fields.
    private static func nextRecord(_ lines: inout ChunkedLines, format: TableFormat,
                                   path: String) throws(ReaderError) -> Record? {
        guard let first = try lines.next() else { return nil }
        var bytes = first.bytes
        if format == .csv {
            var quotes = bytes.reduce(0) { $0 + ($1 == 0x22 ? 1 : 0) }
            while quotes % 2 == 1 {
                guard let more = try lines.next() else {
                    return Record(line: first.number, fields: .failure(.unterminatedQuote(file: path, line: first.number)),
                                  isBlank: false)
                }
                bytes.append(0x0A)
                bytes += more.bytes
                quotes += more.bytes.reduce(0) { $0 + ($1 == 0x22 ? 1 : 0) }
            }
        }
        if bytes.isEmpty { return Record(line: first.number, fields: .success([]), isBlank: true) }
        guard UTF8Validator.isValid(bytes, 0..<bytes.count) else {
            return Record(line: first.number, fields: .failure(.invalidUTF8(file: path, line: first.number)), isBlank: false)
        }
        if let code = ControlCharacters.first(in: bytes, 0..<bytes.count) {
            return Record(line: first.number, fields: .failure(.controlCharacter(file: path, line: first.number, code: code)),
                          isBlank: false)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let fields = format == .csv ? csvFields(text) : text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return Record(line: first.number, fields: .success(fields), isBlank: false)
    }

    /// The fields of one complete CSV record: commas separate, a field starting with `"` runs to the matching
    /// `"` with `""` standing for one quote.
    static func csvFields(_ record: String) -> [String] {
        var fields: [String] = [], field = "", inQuotes = false, atFieldStart = true
        var characters = Array(record.unicodeScalars)[...]
        while let c = characters.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if characters.first == "\"" { field.unicodeScalars.append("\""); characters.removeFirst() } else { inQuotes = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "," {
                fields.append(field)
                field = ""
                atFieldStart = true
                continue
            } else if c == "\"" && atFieldStart {
                inQuotes = true
            } else {
                field.unicodeScalars.append(c)
            }
            atFieldStart = false
        }
        fields.append(field)
        return fields
    }
}

/// The lines of a file (or stdin), read in 64 KiB chunks: each line's bytes without its ending (LF or CRLF)
/// and its 1-based number. A final line without LF counts; a leading UTF-8 byte-order mark is dropped.
struct ChunkedLines {
    /// The open file, closed when the last copy of the stream goes (or by `closeFile`): a stream dropped
    /// early — its header refused, an error mid-file — never leaks its descriptor. (The fuzzer found that leak:
    /// after ~6,600 refused files a process had no descriptor left.)
    private final class OpenFile: @unchecked Sendable {
        let descriptor: Int32
        private let owned: Bool
        private var closed = false

        init(_ descriptor: Int32, owned: Bool) {
            self.descriptor = descriptor
            self.owned = owned
        }

        func close() {
            guard owned && !closed else { return }
            closed = true
            closeDescriptor(descriptor)
        }

        deinit { close() }
    }

    private let file: OpenFile
    private var descriptor: Int32 { file.descriptor }
    private let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var number = 0
    private var checkedBOM = false
    /// Bytes read so far, and the file's size when it is a regular file.
    private var bytesRead = 0
    private var size: Int?

    var fractionRead: Double? { size.map { $0 > 0 ? Double(bytesRead) / Double($0) : 1 } }

    init(path: String) throws(ReaderError) {
        self.path = path
        if path == "-" {
            file = OpenFile(STDIN_FILENO, owned: false)
            return
        }
        let opened = open(path, O_RDONLY)
        guard opened >= 0 else {
            let code = errno
            throw code == ENOENT ? .fileNotFound(file: path) : .unreadable(file: path, reason: String(cString: strerror(code)))
        }
        var info = stat()
        if fstat(opened, &info) == 0, (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) {
            close(opened)
            throw .unreadable(file: path, reason: "is a directory")
        }
        // As `FileBytes`: a device such as /dev/zero would never end.
        let kind = info.st_mode & mode_t(S_IFMT)
        guard kind == mode_t(S_IFREG) || kind == mode_t(S_IFIFO) else {
            close(opened)
            throw .unreadable(file: path, reason: "not a regular file or a pipe")
        }
        file = OpenFile(opened, owned: true)
        if kind == mode_t(S_IFREG) { size = Int(info.st_size) }
    }

    /// Closes the file; reading after this is not allowed.
    func closeFile() { file.close() }

    mutating func next() throws(ReaderError) -> (number: Int, bytes: [UInt8])? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                var end = newline
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                if end - position > FileBytes.maximumLineBytes {
                    throw .lineTooLong(file: path, line: number + 1, limit: FileBytes.maximumLineBytes)
                }
                let line = Array(buffer[position..<end])
                position = newline + 1
                number += 1
                return (number, line)
            }
            // As `FileBytes`: a stream without line breaks fails after its first MiB instead of filling memory.
            if buffer.count - position > FileBytes.maximumLineBytes {
                throw .lineTooLong(file: path, line: number + 1, limit: FileBytes.maximumLineBytes)
            }
            if atEnd {
                guard position < buffer.count else { return nil }
                var line = Array(buffer[position...])
                if line.last == 0x0D { line.removeLast() }
                position = buffer.count
                number += 1
                return (number, line)
            }
            try fill()
        }
    }

    /// Drops the consumed bytes and reads the next chunk.
    private mutating func fill() throws(ReaderError) {
        buffer.removeSubrange(..<position)
        position = 0
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { atEnd = true } else { buffer += chunk[..<count]; bytesRead += count }
            break
        }
        if !checkedBOM && (buffer.count >= 3 || atEnd) {
            checkedBOM = true
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeFirst(3) }
        }
    }
}

/// `close(2)`, out of reach of the `close()` methods above.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
