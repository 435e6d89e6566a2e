import CSV

/// The records of an RFC 4180 CSV file, parsed by CSV.swift, each with the physical line it starts on.
///
/// CSV.swift reads decoded text, so the bytes are checked for malformed UTF-8 first and each bad line is
/// remembered; a record that covers one fails with `invalidUTF8` naming that line. Line numbers count every
/// line break: the one ending each record and those inside quoted fields (LF, CRLF or a lone CR, the same
/// breaks CSV.swift ends records at). Records that are one empty line are skipped.
///
/// CSV.swift silently ends a quoted field that is never closed at the end of the file, swallowing every row
/// after it; that record fails with `unterminatedQuote`, which `skipBad` must not hide.
struct CSVRecords: IteratorProtocol {
    private let file: String
    private let reader: CSVReader
    private let malformedLines: [Int]
    private var malformedIndex = 0
    private var nextLine = 1
    /// The number of the file's last line: where a record that runs to the end of the file ends.
    private let lastLine: Int
    /// Whether the file's last byte, line breaks aside, is a `"`: the quote that closes a final quoted field.
    private let endsWithQuote: Bool

    /// - Complexity: O(n) in the file size; keeps one decoded copy of the file for the parser.
    init(file: String, bytes: [UInt8]) throws(ReaderError) {
        self.file = file
        let scan = UTF8Validator.scanLines(bytes)
        malformedLines = scan.malformedLines
        lastLine = scan.lineBreaks + 1
        endsWithQuote = bytes.last(where: { $0 != 0x0A && $0 != 0x0D }) == 0x22
        do {
            reader = try CSVReader(string: String(decoding: bytes, as: UTF8.self), hasHeaderRow: false)
        } catch {
            throw .unreadable(file: file, reason: "\(error)")
        }
    }

    mutating func next() -> RawRecord? {
        while let fields = reader.next() {
            let first = nextLine
            let breaks = fields.map(Self.lineBreaks(in:))
            let last = first + breaks.reduce(0, +)
            nextLine = last + 1
            if fields.count == 1 && fields[0].isEmpty { continue }
            if let bad = malformedLine(in: first...last) {
                return RawRecord(line: first, fields: .failure(.invalidUTF8(file: file, line: bad)))
            }
            // Only a quoted field holds line breaks, so a last field with breaks that runs to the end of the
            // file without a closing quote was never closed.
            if last == lastLine, let lastBreaks = breaks.last, lastBreaks > 0, !endsWithQuote {
                return RawRecord(line: first, fields: .failure(.unterminatedQuote(file: file, line: first)))
            }
            return RawRecord(line: first, fields: .success(fields))
        }
        return nil
    }

    /// The first malformed line within `lines`; records arrive in order, so the search only moves forward.
    private mutating func malformedLine(in lines: ClosedRange<Int>) -> Int? {
        while malformedIndex < malformedLines.count && malformedLines[malformedIndex] < lines.lowerBound {
            malformedIndex += 1
        }
        guard malformedIndex < malformedLines.count, lines.contains(malformedLines[malformedIndex]) else {
            return nil
        }
        return malformedLines[malformedIndex]
    }

    /// The line breaks inside a field: LF, CRLF and lone CR each count once.
    private static func lineBreaks(in field: String) -> Int {
        var count = 0
        var afterCR = false
        for byte in field.utf8 {
            if byte == 0x0A {
                if !afterCR { count += 1 }
            } else if byte == 0x0D {
                count += 1
            }
            afterCR = byte == 0x0D
        }
        return count
    }
}
