/// One record of a delimited file before its fields are interpreted: the physical line it starts on and
/// its fields, or why they could not be decoded.
struct RawRecord {
    let line: Int
    let fields: Result<[String], ReaderError>
}
