/// The header of a TSV or CSV file: finds columns by name, case-insensitive and trimmed.
struct TableHeader {
    let file: String
    let line: Int
    /// The column names as written, trimmed.
    let names: [String]
    private let keys: [String]

    init(file: String, line: Int, fields: [String]) {
        self.file = file
        self.line = line
        self.names = fields.map(FieldValue.trimmed)
        self.keys = names.map { $0.lowercased() }
    }

    /// The index of the column called `name` (lowercase), or nil when there is none.
    /// - Throws: `ReaderError.duplicateColumn` when two columns have that name.
    func column(_ name: String) throws(ReaderError) -> Int? {
        guard let index = keys.firstIndex(of: name) else { return nil }
        if keys[(index + 1)...].contains(name) {
            throw .duplicateColumn(file: file, line: line, name: name)
        }
        return index
    }
}
