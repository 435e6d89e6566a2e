import Foundation
import GRDB

/// A row read back from the database, whose values are checked before use: the file is untrusted input
/// (another program, a hand edit or a disk error may have put any value of any type in any column).
///
/// Each accessor reads the column's raw SQLite value and accepts only the storage class the schema means,
/// with no SQLite conversion (text never silently becomes 0); anything else is `IndexError.corruptValue`
/// naming the table, the column and the row. GRDB's typed subscripts would crash the process instead.
struct StoredRow {
    let row: Row
    let table: String
    /// The row, for messages: `model "default"`, `question 12`.
    var name: String
    let path: String

    init(_ row: Row, table: String, name: String, path: String) {
        self.row = row
        self.table = table
        self.name = name
        self.path = path
    }

    /// The error for a bad value of `column`: `problem` completes "TABLE.COLUMN of ROW …".
    func corrupt(_ column: String, _ problem: String) -> IndexError {
        .corruptValue(path: path, table: table, column: column, row: name, problem: problem)
    }

    func integer(_ column: String) throws(IndexError) -> Int64 {
        guard let value = try optionalInteger(column) else { throw mismatch(column, expected: "an integer") }
        return value
    }

    func optionalInteger(_ column: String) throws(IndexError) -> Int64? {
        switch value(column).storage {
        case .null: return nil
        case .int64(let value): return value
        default: throw mismatch(column, expected: "an integer")
        }
    }

    /// An integer that must lie in `range` (counts, ids, sizes: bounded before anything is allocated by them).
    func integer(_ column: String, in range: ClosedRange<Int>) throws(IndexError) -> Int {
        let value = try integer(column)
        guard let int = Int(exactly: value), range.contains(int) else {
            throw corrupt(column, "is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return int
    }

    func text(_ column: String) throws(IndexError) -> String {
        guard let value = try optionalText(column) else { throw mismatch(column, expected: "text") }
        return value
    }

    /// An optional integer that must lie in `range` when present.
    func optionalInteger(_ column: String, in range: ClosedRange<Int>) throws(IndexError) -> Int? {
        guard let value = try optionalInteger(column) else { return nil }
        guard let int = Int(exactly: value), range.contains(int) else {
            throw corrupt(column, "is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return int
    }

    func optionalText(_ column: String) throws(IndexError) -> String? {
        switch value(column).storage {
        case .null: return nil
        case .string(let value): return value
        default: throw mismatch(column, expected: "text")
        }
    }

    /// A finite number (REAL; an INTEGER is accepted, as SQLite stores whole numbers of REAL columns so).
    func number(_ column: String) throws(IndexError) -> Double {
        guard let value = try optionalNumber(column) else { throw mismatch(column, expected: "a number") }
        return value
    }

    func optionalNumber(_ column: String) throws(IndexError) -> Double? {
        let number: Double
        switch value(column).storage {
        case .null: return nil
        case .double(let value): number = value
        case .int64(let value): number = Double(value)
        default: throw mismatch(column, expected: "a number")
        }
        guard number.isFinite else { throw corrupt(column, "is \(number), not a finite number") }
        return number
    }

    func date(_ column: String) throws(IndexError) -> Date {
        guard let value = try optionalDate(column) else { throw mismatch(column, expected: "a date") }
        return value
    }

    func optionalDate(_ column: String) throws(IndexError) -> Date? {
        let value = value(column)
        if value.isNull { return nil }
        guard case .string = value.storage, let date = Date.fromDatabaseValue(value) else {
            throw mismatch(column, expected: "a date")
        }
        return date
    }

    func blob(_ column: String) throws(IndexError) -> Data {
        guard case .blob(let data) = value(column).storage else { throw mismatch(column, expected: "a BLOB") }
        return data
    }

    private func value(_ column: String) -> DatabaseValue {
        (row[column] as DatabaseValue?) ?? .null
    }

    private func mismatch(_ column: String, expected: String) -> IndexError {
        corrupt(column, "is \(Self.describe(value(column))), expected \(expected)")
    }

    /// A stored value for a message, on one line and short.
    static func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let value): return "the integer \(value)"
        case .double(let value): return "the number \(value)"
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "the text \(String(reflecting: shown))"
        case .blob(let data): return "a BLOB of \(IndexError.bytes(data.count))"
        }
    }
}
