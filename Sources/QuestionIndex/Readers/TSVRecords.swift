/// The records of a TSV file, one per non-empty line: fields split at every tab, with no quoting at all,
/// so a `"` is an ordinary character (the Quora TSVs contain stray quotes).
struct TSVRecords: IteratorProtocol {
    private let file: String
    private var lines: LineScanner

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.lines = LineScanner(bytes)
    }

    /// The next non-empty line's fields, or an `invalidUTF8` or `controlCharacter` failure naming it.
    /// - Complexity: O(length of the line).
    mutating func next() -> RawRecord? {
        while let line = lines.next() {
            if line.range.isEmpty { continue }
            guard UTF8Validator.isValid(lines.bytes, line.range) else {
                return RawRecord(line: line.number, fields: .failure(.invalidUTF8(file: file, line: line.number)))
            }
            if let code = ControlCharacters.first(in: lines.bytes, line.range) {
                return RawRecord(line: line.number,
                                 fields: .failure(.controlCharacter(file: file, line: line.number, code: code)))
            }
            return RawRecord(line: line.number, fields: .success(Self.fields(lines.bytes, line.range)))
        }
        return nil
    }

    /// The fields of one line: the text between tabs, decoded.
    private static func fields(_ bytes: [UInt8], _ range: Range<Int>) -> [String] {
        var fields: [String] = []
        var start = range.lowerBound
        for index in range where bytes[index] == 0x09 {
            fields.append(String(decoding: bytes[start..<index], as: UTF8.self))
            start = index + 1
        }
        fields.append(String(decoding: bytes[start..<range.upperBound], as: UTF8.self))
        return fields
    }
}
