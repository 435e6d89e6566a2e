import Foundation

/// A question as stored in the index.
public struct StoredQuestion: Sendable, Equatable {
    public let id: Int64
    /// The text as it was added.
    public let text: String
    /// The identifier the input file gave it, if any.
    public let externalID: String?
    /// Where it came from (typically the input file name).
    public let source: String
    public let createdAt: Date
}
