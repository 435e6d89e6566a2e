import Foundation

/// The two delimited layouts a reader accepts: TSV without quoting, and RFC 4180 CSV.
enum TableFormat: Sendable {
    case tsv
    case csv

    /// The format named by the file's extension (`.tsv`, `.csv`, any case), or nil for any other extension.
    init?(extensionOf path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "tsv": self = .tsv
        case "csv": self = .csv
        default: return nil
        }
    }

    /// The format named by the file's extension, else the sniffed one.
    static func detect(file: String, bytes: [UInt8]) throws(ReaderError) -> TableFormat {
        if let named = TableFormat(extensionOf: file) { return named }
        return try sniff(file: file, bytes: bytes)
    }

    /// The format of a file whose extension says nothing: a tab in the first non-empty line means TSV,
    /// else a comma means CSV.
    /// - Throws: `ReaderError.emptyFile` when there is no such line, `.unknownDelimiter` when it has neither.
    static func sniff(file: String, bytes: [UInt8]) throws(ReaderError) -> TableFormat {
        var lines = LineScanner(bytes)
        while let line = lines.next() {
            if line.range.isEmpty { continue }
            let header = bytes[line.range]
            if header.contains(0x09) { return .tsv }
            if header.contains(0x2C) { return .csv }
            throw .unknownDelimiter(file: file, line: line.number)
        }
        throw .emptyFile(file: file)
    }
}
