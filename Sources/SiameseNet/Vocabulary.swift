/// The word ↔ id table of a model. Id 0 is `<PAD>`, id 1 is `<UNK>` (every word not in the table).
///
/// Built from training questions: words seen at least `minCount` times, most frequent first (ties in
/// lexicographic order, so a build is deterministic), at most `maxSize` entries including the two reserved ones.
public struct Vocabulary: Sendable, Equatable {
    /// The reserved token of id 0 (padding; never produced by the tokenizer).
    public static let padToken = "<PAD>"
    /// The reserved token of id 1, which every word outside the vocabulary maps to.
    public static let unknownToken = "<UNK>"
    /// The id of `padToken`.
    public static let padID: Int32 = 0
    /// The id of `unknownToken`: the id of every out-of-vocabulary word.
    public static let unknownID: Int32 = 1

    /// Tokens by id; `tokens[0] == "<PAD>"`, `tokens[1] == "<UNK>"`.
    public let tokens: [String]
    /// Training-set counts by id (0 for the two reserved tokens).
    public let counts: [Int]
    private let ids: [String: Int32]

    /// Number of entries, the two reserved ones included: the rows of the embedding table.
    public var count: Int { tokens.count }

    /// Restores a vocabulary from stored tokens and counts, checking the reserved entries and uniqueness.
    package init(tokens: [String], counts: [Int]) throws {
        guard tokens.count == counts.count else {
            throw VocabularyError.invalid("\(tokens.count) tokens but \(counts.count) counts")
        }
        guard tokens.count >= 2, tokens[0] == Self.padToken, tokens[1] == Self.unknownToken else {
            throw VocabularyError.invalid("ids 0 and 1 must be \(Self.padToken) and \(Self.unknownToken)")
        }
        guard Set(tokens).count == tokens.count else {
            let seen = Dictionary(grouping: tokens, by: { $0 }).first { $0.value.count > 1 }?.key ?? ""
            throw VocabularyError.invalid("token \"\(seen)\" appears twice")
        }
        self.init(checkedTokens: tokens, counts: counts)
    }

    /// Builds the vocabulary of a corpus of token lists.
    /// - Parameters:
    ///   - minCount: words seen fewer times than this map to `<UNK>`.
    ///   - maxSize: the most entries, the two reserved ones included; `nil` for no limit.
    public init<S: Sequence>(building corpus: S, minCount: Int = 1, maxSize: Int? = nil) where S.Element == [String] {
        var frequency: [String: Int] = [:]
        for question in corpus {
            for token in question { frequency[token, default: 0] += 1 }
        }
        frequency[Self.padToken] = nil
        frequency[Self.unknownToken] = nil
        var kept = frequency.filter { $0.value >= max(1, minCount) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if let maxSize { kept = Array(kept.prefix(max(0, maxSize - 2))) }
        // Reserved tokens first, and dictionary keys are unique: nothing to check.
        self.init(checkedTokens: [Self.padToken, Self.unknownToken] + kept.map(\.key),
                  counts: [0, 0] + kept.map(\.value))
    }

    private init(checkedTokens tokens: [String], counts: [Int]) {
        self.tokens = tokens
        self.counts = counts
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { ids[token] = Int32(id) }
        self.ids = ids
    }

    /// The id of `token`, or `unknownID`.
    @inline(__always)
    public func id(of token: String) -> Int32 { ids[token] ?? Self.unknownID }

    /// The ids of `tokens`, unknown words as `unknownID`.
    public func ids(of tokens: [String]) -> [Int32] { tokens.map { id(of: $0) } }
}

package enum VocabularyError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    package var description: String {
        switch self { case .invalid(let why): return "invalid vocabulary: \(why)" }
    }
}
