/// A TSV or CSV file as a header and a stream of records, whichever the format.
struct DelimitedTable {
    let header: TableHeader
    private var records: any IteratorProtocol<RawRecord>

    /// Reads the header: the first non-empty record.
    /// - Throws: `ReaderError.emptyFile` when there is none, `.invalidUTF8` when it is not UTF-8.
    init(file: String, bytes: consuming [UInt8], format: TableFormat) throws(ReaderError) {
        var records: any IteratorProtocol<RawRecord> = switch format {
        case .tsv: TSVRecords(file: file, bytes: bytes)
        case .csv: try CSVRecords(file: file, bytes: bytes)
        }
        guard let first = records.next() else { throw .emptyFile(file: file) }
        header = TableHeader(file: file, line: first.line, fields: try first.fields.get())
        self.records = records
    }

    /// The next data record, or nil at the end of the file.
    mutating func next() -> RawRecord? {
        records.next()
    }

    /// The record's fields, checked to be as many as the header's columns.
    /// - Throws: the record's decoding failure, or `ReaderError.wrongFieldCount`.
    func fields(of record: RawRecord) throws(ReaderError) -> [String] {
        let fields = try record.fields.get()
        guard fields.count == header.names.count else {
            throw .wrongFieldCount(
                file: header.file, line: record.line, expected: header.names.count, found: fields.count)
        }
        return fields
    }
}
