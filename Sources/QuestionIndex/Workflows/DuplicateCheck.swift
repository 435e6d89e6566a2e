import SiameseNet

/// Checks new questions against the index: for each, its best stored matches and whether any is a duplicate
/// (at or above the model's threshold). The work of `siamese check`, one batch of input rows at a time.
public struct DuplicateCheck: Sendable {
    /// The search the rows are checked with; its model's threshold decides what is a duplicate.
    public let search: QuestionSearch
    /// Matches per row.
    public let k: Int

    /// One checked input row.
    public struct Outcome: Sendable {
        /// The input row as read.
        public var row: SourceQuestion
        /// The best `k` stored questions, best first.
        public var matches: [QuestionSearch.Match]
        /// Whether some match is a duplicate.
        public var isDuplicate: Bool { matches.contains(where: \.isDuplicate) }
    }

    /// - Parameter k: at least 1.
    public init(search: QuestionSearch, k: Int) {
        precondition(k >= 1, "k must be at least 1")
        self.search = search
        self.k = k
    }

    /// Whether `text` has words the encoder can read; a row without any cannot be checked.
    public func hasWords(_ text: String) -> Bool {
        !search.model.model.tokenIDs(text).isEmpty
    }

    /// Checks a batch of rows, in order; every row must have words (`hasWords`).
    /// - Complexity: one encoder pass and one blocked scan for the whole batch.
    public func check(_ rows: [SourceQuestion]) throws -> [Outcome] {
        let matches = try search.search(rows.map(\.text), k: k)
        return zip(rows, matches).map { Outcome(row: $0, matches: $1) }
    }
}
