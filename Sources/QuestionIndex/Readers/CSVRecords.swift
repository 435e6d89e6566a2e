import CSV

/// The records of an RFC 4180 CSV file, parsed by CSV.swift, each with the physical line it starts on.
///
/// CSV.swift reads decoded text, so the bytes are checked for malformed UTF-8 first and each bad line is
/// remembered; a record that covers one fails with `invalidUTF8` naming that line. Line numbers count every
/// line break: the one ending each record and those inside quoted fields (LF, CRLF or a lone CR, the same
/// breaks CSV.swift ends records at). Records that are one empty line are skipped.
///
/// CSV.swift silently ends a quoted field that is never closed at the end of the file, swallowing every row
/// after it; that record fails with `unterminatedQuote`, which `skipBad` must not hide. A quote left open
/// before a later stray `"` swallows the rows in between the same way; the rule that catches it: a line
/// inside a quoted field may not hold as many commas as a row has (the header's field count − 1), since such a
/// line looks like a row of its own (`runawayQuote`, not skipped either). In a one-column file, every
/// non-blank line inside a field does: its questions cannot span lines.
struct CSVRecords: IteratorProtocol {
    private let file: String
    private let reader: CSVReader
    private let malformedLines: [Int]
    private var malformedIndex = 0
    private let controlLines: [(line: Int, code: UInt8)]
    private var controlIndex = 0
    /// The header's field count, once the header is read.
    private var rowFields: Int?
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
        controlLines = scan.controlLines
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
            // Only a quoted field holds line breaks, so a last field with breaks that runs to the end of the
            // file without a closing quote was never closed.
            if last == lastLine, let lastBreaks = breaks.last, lastBreaks > 0, !endsWithQuote {
                return RawRecord(line: first, fields: .failure(.unterminatedQuote(file: file, line: first)))
            }
            if let rowFields, let rowLine = Self.rowLikeLine(in: fields, firstLine: first, rowFields: rowFields) {
                return RawRecord(line: first, fields: .failure(.runawayQuote(file: file, line: first, rowLine: rowLine)))
            }
            // Checked after the quotes: these may be skipped, a swallowed row must not be.
            if let bad = malformedLine(in: first...last) {
                return RawRecord(line: first, fields: .failure(.invalidUTF8(file: file, line: bad)))
            }
            if let control = controlLine(in: first...last) {
                return RawRecord(line: first,
                                 fields: .failure(.controlCharacter(file: file, line: control.line, code: control.code)))
            }
            if rowFields == nil { rowFields = fields.count }
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

    /// The first line with a forbidden control character within `lines`; like `malformedLine`, only moves forward.
    private mutating func controlLine(in lines: ClosedRange<Int>) -> (line: Int, code: UInt8)? {
        while controlIndex < controlLines.count && controlLines[controlIndex].line < lines.lowerBound {
            controlIndex += 1
        }
        guard controlIndex < controlLines.count, lines.contains(controlLines[controlIndex].line) else { return nil }
        return controlLines[controlIndex]
    }

    /// The number of the first line inside a field (after one of its line breaks) that holds at least
    /// `rowFields` − 1 commas and is not blank: a row swallowed by an open quote. Nil when there is none.
    private static func rowLikeLine(in fields: [String], firstLine: Int, rowFields: Int) -> Int? {
        var line = firstLine
        for field in fields {
            var commas = 0, blank = true, inside = false
            var afterCR = false
            for byte in field.utf8 {
                let isBreak = byte == 0x0D || (byte == 0x0A && !afterCR)
                afterCR = byte == 0x0D
                if byte == 0x0A || byte == 0x0D {
                    if inside && !blank && commas >= rowFields - 1 { return line }
                    if isBreak { line += 1 }
                    inside = true
                    commas = 0
                    blank = true
                    continue
                }
                if byte == 0x2C { commas += 1 }
                if byte != 0x20 && byte != 0x09 { blank = false }
            }
            if inside && !blank && commas >= rowFields - 1 { return line }
        }
        return nil
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
