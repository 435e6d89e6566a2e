/// Applies the `skipBad` rule to malformed rows: throw the first, or count them and keep the first few
/// messages for the command line to show.
struct ProblemLog {
    let skipBad: Bool
    let limit: Int
    private(set) var skipped = 0
    private(set) var problems: [String] = []

    init(skipBad: Bool, limit: Int) {
        self.skipBad = skipBad
        self.limit = limit
    }

    /// Records a malformed row, or throws `error` when bad rows are not skipped or it cannot be skipped
    /// without losing the rows after it.
    mutating func skip(_ error: ReaderError) throws(ReaderError) {
        guard skipBad, !Self.losesLaterRows(error) else { throw error }
        skipped += 1
        if problems.count < limit {
            problems.append(error.description)
        }
    }

    private static func losesLaterRows(_ error: ReaderError) -> Bool {
        switch error {
        case .unterminatedQuote, .runawayQuote: return true
        default: return false
        }
    }
}
