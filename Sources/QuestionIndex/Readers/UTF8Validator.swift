/// Checks bytes for well-formed UTF-8 without building strings, so a reader can name the line that holds a
/// bad byte and still decode the rest of the file.
///
/// Well-formed means the byte sequences of the Unicode Standard, table 3-7: no overlong forms, no surrogates,
/// nothing above U+10FFFF.
enum UTF8Validator {
    /// Whether `bytes[range]` is well-formed UTF-8.
    /// - Complexity: O(`range.count`).
    static func isValid(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = range.lowerBound
            while index < range.upperBound {
                guard let length = sequenceLength(buffer, at: index, end: range.upperBound) else { return false }
                index += length
            }
            return true
        }
    }

    /// Where a file's malformed UTF-8 and control characters are, by line: what the CSV reader needs to name lines.
    struct LineScan: Equatable {
        /// The 1-based numbers of the lines that hold malformed UTF-8, ascending.
        var malformedLines: [Int] = []
        /// How many line breaks the file has.
        var lineBreaks = 0
        /// The lines that hold a forbidden control character (`ControlCharacters`), with the first one's code,
        /// ascending.
        var controlLines: [(line: Int, code: UInt8)] = []

        static func == (a: LineScan, b: LineScan) -> Bool {
            a.malformedLines == b.malformedLines && a.lineBreaks == b.lineBreaks
                && a.controlLines.map(\.line) == b.controlLines.map(\.line)
                && a.controlLines.map(\.code) == b.controlLines.map(\.code)
        }
    }

    /// Scans the whole file. A line ends at LF, CRLF or a lone CR, as records do in CSV.swift.
    /// - Complexity: O(`bytes.count`).
    static func scanLines(_ bytes: [UInt8]) -> LineScan {
        bytes.withUnsafeBufferPointer { buffer in
            var scan = LineScan()
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                if byte == 0x0A || (byte == 0x0D && (index + 1 == buffer.count || buffer[index + 1] != 0x0A)) {
                    scan.lineBreaks += 1
                } else if ControlCharacters.isForbidden(byte) && scan.controlLines.last?.line != scan.lineBreaks + 1 {
                    scan.controlLines.append((scan.lineBreaks + 1, byte))
                }
                if let length = sequenceLength(buffer, at: index, end: buffer.count) {
                    index += length
                } else {
                    let line = scan.lineBreaks + 1
                    if scan.malformedLines.last != line { scan.malformedLines.append(line) }
                    index += 1
                }
            }
            return scan
        }
    }

    /// The length of the well-formed sequence that starts at `index` and ends before `end`, or nil.
    @inline(__always)
    private static func sequenceLength(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int? {
        let lead = buffer[index]
        if lead < 0x80 { return 1 }
        let length: Int
        let second: ClosedRange<UInt8>  // the second byte's range depends on the lead byte
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return nil
        }
        guard end - index >= length, second.contains(buffer[index + 1]) else { return nil }
        for offset in 2..<length where !(0x80...0xBF).contains(buffer[index + offset]) {
            return nil
        }
        return length
    }
}
