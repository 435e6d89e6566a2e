/// The character n-gram ↔ id table of a model (fastText-style sub-words), so that a word the vocabulary has
/// never seen, or a misspelt one, still has an input vector made of the n-grams it shares with known words.
///
/// A word w is wrapped as `<w>` and its n-grams are the substrings of the wrapped word of `minN...maxN`
/// characters (Swift `Character`s, i.e. grapheme clusters); a wrapped word shorter than `minN` is one n-gram
/// by itself. Ids run from 0 (none is reserved: a word's n-grams are a CSR range, never padded). An n-gram
/// missing from the table has no vector and contributes nothing.
///
/// Built from the words of a word vocabulary: an n-gram's count is the number of distinct vocabulary words
/// that contain it. N-grams with at least `minCount` words are kept, most frequent first (ties in
/// lexicographic order, so a build is deterministic), at most `maxSize`.
public struct SubwordVocabulary: Sendable, Equatable {
    public let minN: Int
    public let maxN: Int
    /// N-grams by id.
    public let ngrams: [String]
    /// Number of distinct vocabulary words containing each n-gram, by id.
    public let counts: [Int]
    private let ids: [String: Int32]

    public var count: Int { ngrams.count }

    /// The distinct n-grams of `word`, in order of length, then position: for `ab` with n 3...4,
    /// `["<ab", "ab>", "<ab>"]`; for `a` with n 4...5, `["<a>"]`.
    public static func ngrams(of word: String, minN: Int, maxN: Int) -> [String] {
        precondition(minN >= 1 && maxN >= minN)
        let characters = Array("<" + word + ">")
        if characters.count < minN { return [String(characters)] }
        var result: [String] = []
        var seen = Set<String>()
        for n in minN...min(maxN, characters.count) {
            for start in 0...(characters.count - n) {
                let ngram = String(characters[start..<(start + n)])
                if seen.insert(ngram).inserted { result.append(ngram) }
            }
        }
        return result
    }

    /// Builds the table from the words of a vocabulary (duplicates are counted once).
    /// - Parameters:
    ///   - minCount: n-grams found in fewer distinct words are left out.
    ///   - maxSize: the most entries; 0 gives an empty table.
    public init<S: Sequence>(buildingFrom words: S, minN: Int, maxN: Int, minCount: Int = 1, maxSize: Int)
    where S.Element == String {
        var frequency: [String: Int] = [:]
        for word in Set(words) {
            for ngram in Self.ngrams(of: word, minN: minN, maxN: maxN) { frequency[ngram, default: 0] += 1 }
        }
        let kept = frequency.filter { $0.value >= max(1, minCount) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(0, maxSize))
        self.init(checked: kept.map(\.key), counts: kept.map(\.value), minN: minN, maxN: maxN)
    }

    /// Restores a stored table, checking that n-grams are unique and non-empty.
    public init(ngrams: [String], counts: [Int], minN: Int, maxN: Int) throws {
        guard minN >= 1, maxN >= minN else {
            throw SubwordVocabularyError.invalid("n-gram lengths \(minN)...\(maxN) are not a valid range")
        }
        guard ngrams.count == counts.count else {
            throw SubwordVocabularyError.invalid("\(ngrams.count) n-grams but \(counts.count) counts")
        }
        if let empty = ngrams.firstIndex(where: \.isEmpty) {
            throw SubwordVocabularyError.invalid("n-gram \(empty) is empty")
        }
        guard Set(ngrams).count == ngrams.count else {
            let twice = Dictionary(grouping: ngrams, by: { $0 }).first { $0.value.count > 1 }?.key ?? ""
            throw SubwordVocabularyError.invalid("n-gram \"\(twice)\" appears twice")
        }
        self.init(checked: ngrams, counts: counts, minN: minN, maxN: maxN)
    }

    private init(checked ngrams: [String], counts: [Int], minN: Int, maxN: Int) {
        self.minN = minN
        self.maxN = maxN
        self.ngrams = ngrams
        self.counts = counts
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(ngrams.count)
        for (id, ngram) in ngrams.enumerated() { ids[ngram] = Int32(id) }
        self.ids = ids
    }

    /// The id of an n-gram, or nil when the table does not have it.
    public func id(of ngram: String) -> Int32? { ids[ngram] }

    /// The ids of the known n-grams of `word` (each once, in the order of `ngrams(of:)`); empty when none is known.
    public func ids(ofWord word: String) -> [Int32] {
        Self.ngrams(of: word, minN: minN, maxN: maxN).compactMap { ids[$0] }
    }
}

public enum SubwordVocabularyError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let why): return "invalid sub-word vocabulary: \(why)" }
    }
}

/// One question as the encoder reads it: a word id per token and, per token, the ids of its known
/// sub-words in CSR form (token t's are `subwords[subwordOffsets[t] ..< subwordOffsets[t + 1]]`).
///
/// Token input vectors: a token without sub-words is its word's embedding row (exactly as without the
/// feature); a vocabulary word with sub-words G is the mean of its word row and its |G| sub-word rows; a token
/// whose word id is `Vocabulary.unknownID` but has sub-words is the mean of its sub-word rows only.
public struct TokenizedQuestion: Sendable, Equatable {
    public let words: [Int32]
    /// `words.count + 1` non-decreasing offsets into `subwords`, starting at 0.
    public let subwordOffsets: [Int32]
    public let subwords: [Int32]

    public var count: Int { words.count }
    public var isEmpty: Bool { words.isEmpty }

    /// A question without sub-words.
    public init(words: [Int32]) {
        self.words = words
        subwordOffsets = Array(repeating: 0, count: words.count + 1)
        subwords = []
    }

    public init(words: [Int32], subwordOffsets: [Int32], subwords: [Int32]) {
        precondition(subwordOffsets.count == words.count + 1 && subwordOffsets.first == 0
                     && subwordOffsets.last.map(Int.init) == subwords.count, "malformed sub-word offsets")
        self.words = words
        self.subwordOffsets = subwordOffsets
        self.subwords = subwords
    }

    /// The positions in `subwords` of token `t`'s sub-words.
    @inline(__always)
    public func subwordRange(of t: Int) -> Range<Int> { Int(subwordOffsets[t])..<Int(subwordOffsets[t + 1]) }
}

/// How many words of a question the model knows something about.
public struct WordCoverage: Sendable, Equatable {
    /// Tokens of the question (after truncation to `maxTokens`).
    public var words: Int
    /// Words that are neither in the vocabulary nor have any known sub-word: they encode as `<UNK>`.
    public var unknownWords: Int
    /// Words outside the vocabulary represented by their known sub-words alone.
    public var subwordOnlyWords: Int

    public init(words: Int, unknownWords: Int, subwordOnlyWords: Int) {
        self.words = words
        self.unknownWords = unknownWords
        self.subwordOnlyWords = subwordOnlyWords
    }

    /// False when the question has no word, or every word is unknown.
    public var hasKnownWords: Bool { words > unknownWords }
}
