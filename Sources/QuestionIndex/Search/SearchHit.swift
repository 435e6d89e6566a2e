/// One search result: a stored question and its cosine similarity to the query.
public struct SearchHit: Sendable, Equatable, Hashable {
    /// The row id of the stored question found.
    public let questionID: Int64
    /// Cosine similarity in [-1, 1] (both vectors are unit vectors).
    public let score: Float

    /// A hit for `questionID` with cosine `score`.
    public init(questionID: Int64, score: Float) {
        self.questionID = questionID
        self.score = score
    }
}
