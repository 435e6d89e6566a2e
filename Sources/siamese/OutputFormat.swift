import ArgumentParser
import Foundation

/// `--format`: how a command prints its rows on stdout.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// For people: aligned, grouped.
    case text
    /// A header line, then tab-separated rows; tabs and line breaks inside a value become spaces.
    case tsv
    /// A header line, then RFC 4180 rows (values with a comma, quote or line break are quoted).
    case csv
    /// One JSON object per line.
    case jsonl

    /// One row of `tsv` or `csv` (not for text or jsonl).
    func row(_ values: [String]) -> String {
        switch self {
        case .csv: return values.map(Self.csvField).joined(separator: ",")
        default: return values.map(Self.tsvField).joined(separator: "\t")
        }
    }

    private static func tsvField(_ value: String) -> String {
        String(value.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }

    private static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes JSON Lines: one sorted-key object per line.
struct JSONLines {
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
