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
    /// Shortest n-gram, in characters of the wrapped word.
    public let minN: Int
    /// Longest n-gram, in characters of the wrapped word.
    public let maxN: Int
    /// N-grams by id.
    public let ngrams: [String]
    /// Number of distinct vocabulary words containing each n-gram, by id.
    public let counts: [Int]
    /// N-gram → id, keyed by UTF-8 bytes (looking up a word's n-grams creates no strings).
    private let table: NgramTable

    /// Number of n-grams in the table.
    public var count: Int { ngrams.count }

    /// The distinct n-grams of `word`, in order of length, then position: for `ab` with n 3...4,
    /// `["<ab", "ab>", "<ab>"]`; for `a` with n 4...5, `["<a>"]`.
    static func ngrams(of word: String, minN: Int, maxN: Int) -> [String] {
        precondition(minN >= 1 && maxN >= minN)
        // "<" and ">" stay characters of their own even next to a combining mark.
        let characters: [Character] = ["<"] + Array(word) + [">"]
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
    package init(ngrams: [String], counts: [Int], minN: Int, maxN: Int) throws {
        guard minN >= 1, maxN >= minN else {
            throw SubwordVocabularyError.invalid("n-gram lengths \(minN)...\(maxN) are not a valid range")
        }
        guard ngrams.count == counts.count else {
            throw SubwordVocabularyError.invalid("\(ngrams.count) n-grams but \(counts.count) counts")
        }
        if let empty = ngrams.firstIndex(where: \.isEmpty) {
            throw SubwordVocabularyError.invalid("n-gram \(empty) is empty")
        }
        let (table, duplicate) = NgramTable.build(ngrams)
        if let duplicate {
            throw SubwordVocabularyError.invalid("n-gram \"\(ngrams[duplicate])\" appears twice")
        }
        self.init(checked: ngrams, counts: counts, minN: minN, maxN: maxN, table: table)
    }

    private init(checked ngrams: [String], counts: [Int], minN: Int, maxN: Int, table: NgramTable? = nil) {
        self.minN = minN
        self.maxN = maxN
        self.ngrams = ngrams
        self.counts = counts
        self.table = table ?? NgramTable.build(ngrams).table
    }

    /// Equal tables: same n-gram lengths, n-grams and counts (the lookup table follows from them).
    public static func == (a: SubwordVocabulary, b: SubwordVocabulary) -> Bool {
        a.minN == b.minN && a.maxN == b.maxN && a.ngrams == b.ngrams && a.counts == b.counts
    }

    /// The id of an n-gram, or nil when the table does not have it.
    func id(of ngram: String) -> Int32? {
        var ngram = ngram
        return ngram.withUTF8 { table.id(of: $0) }
    }

    /// The ids of the known n-grams of `word` (each once, in the order of `ngrams(of:)`); empty when none is known.
    /// Equal to looking up every string of `ngrams(of:)`, but works on the word's UTF-8 bytes at character
    /// boundaries, without making strings: loading a model computes this for every vocabulary word.
    package func ids(ofWord word: String) -> [Int32] {
        var result: [Int32] = []
        appendIDs(ofWord: word, to: &result)
        return result
    }

    /// Appends `ids(ofWord: word)` to `result`, with no allocation of its own (the word's bytes and character
    /// boundaries live on the stack).
    package func appendIDs(ofWord word: String, to result: inout [Int32]) {
        let length = word.utf8.count, first = result.count
        // In ASCII every byte is a character except in "\r\n", which a word never holds: no grapheme breaking
        // needed (most words; it was most of the cost of loading a model).
        let ascii = word.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + 2) { bytes in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: length + 3) { boundaries in
                // "<" + word + ">" as UTF-8, and the byte offset of every character boundary.
                var count = 1, characters = 1
                bytes[0] = UInt8(ascii: "<")
                boundaries[0] = 0
                boundaries[1] = 1
                if ascii {
                    for byte in word.utf8 {
                        bytes[count] = byte
                        count += 1
                        characters += 1
                        boundaries[characters] = count
                    }
                } else {
                    for character in word {
                        for byte in character.utf8 {
                            bytes[count] = byte
                            count += 1
                        }
                        characters += 1
                        boundaries[characters] = count
                    }
                }
                bytes[count] = UInt8(ascii: ">")
                count += 1
                characters += 1
                boundaries[characters] = count
                let all = UnsafeBufferPointer(rebasing: bytes[0..<count])
                func add(_ from: Int, _ to: Int) {
                    guard let id = table.id(of: UnsafeBufferPointer(rebasing: all[from..<to])),
                          !result[first...].contains(id) else { return }
                    result.append(id)
                }
                if characters < minN {
                    add(0, count)
                    return
                }
                for n in minN...min(maxN, characters) {
                    for start in 0...(characters - n) { add(boundaries[start], boundaries[start + n]) }
                }
            }
        }
    }
}

/// An open-addressing hash table from n-gram bytes to ids: the n-grams' UTF-8 bytes in one buffer, slots
/// holding ids (−1 for empty), FNV-1a hashes, linear probing.
struct NgramTable: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]
    private let slots: [Int32]
    private let mask: Int

    /// The table of `ngrams`, and the index of the first n-gram that repeats an earlier one, if any.
    static func build(_ ngrams: [String]) -> (table: NgramTable, duplicate: Int?) {
        var bytes: [UInt8] = [], starts: [Int] = [0]
        starts.reserveCapacity(ngrams.count + 1)
        for ngram in ngrams {
            bytes.append(contentsOf: ngram.utf8)
            starts.append(bytes.count)
        }
        var capacity = 16
        while capacity < 2 * ngrams.count { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        var duplicate: Int?
        bytes.withUnsafeBufferPointer { all in
            for id in ngrams.indices {
                let key = UnsafeBufferPointer(rebasing: all[starts[id]..<starts[id + 1]])
                var slot = Int(truncatingIfNeeded: hash(key)) & (capacity - 1)
                while slots[slot] >= 0 {
                    let other = Int(slots[slot])
                    if duplicate == nil, all[starts[other]..<starts[other + 1]].elementsEqual(key) { duplicate = id }
                    slot = (slot + 1) & (capacity - 1)
                }
                slots[slot] = Int32(id)
            }
        }
        return (NgramTable(bytes: bytes, starts: starts, slots: slots, mask: capacity - 1), duplicate)
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }

    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        var slot = Int(truncatingIfNeeded: Self.hash(key)) & mask
        return bytes.withUnsafeBufferPointer { all in
            starts.withUnsafeBufferPointer { starts in
                slots.withUnsafeBufferPointer { slots in
                    while true {
                        let id = slots[slot]
                        if id < 0 { return nil }
                        let start = starts[Int(id)], length = starts[Int(id) + 1] - start
                        if length == key.count {
                            // N-grams are a few bytes: a plain loop, no slices (this lookup runs for every n-gram
                            // of every vocabulary word when a model loads).
                            var equal = true
                            for i in 0..<length where all[start + i] != key[i] {
                                equal = false
                                break
                            }
                            if equal { return id }
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
        }
    }
}

package enum SubwordVocabularyError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    package var description: String {
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
    /// Word id of each token; `Vocabulary.unknownID` for an out-of-vocabulary word.
    public let words: [Int32]
    /// `words.count + 1` non-decreasing offsets into `subwords`, starting at 0.
    public let subwordOffsets: [Int32]
    /// Sub-word ids of all tokens, token after token.
    public let subwords: [Int32]

    /// Number of tokens.
    public var count: Int { words.count }
    /// True for a question without tokens, which cannot be encoded.
    public var isEmpty: Bool { words.isEmpty }

    /// A question without sub-words.
    init(words: [Int32]) {
        self.words = words
        subwordOffsets = Array(repeating: 0, count: words.count + 1)
        subwords = []
    }

    init(words: [Int32], subwordOffsets: [Int32], subwords: [Int32]) {
        precondition(subwordOffsets.count == words.count + 1 && subwordOffsets.first == 0
                     && subwordOffsets.last.map(Int.init) == subwords.count, "malformed sub-word offsets")
        self.words = words
        self.subwordOffsets = subwordOffsets
        self.subwords = subwords
    }

    /// The positions in `subwords` of token `t`'s sub-words.
    @inline(__always)
    package func subwordRange(of t: Int) -> Range<Int> { Int(subwordOffsets[t])..<Int(subwordOffsets[t + 1]) }
}

/// How many words of a question the model knows something about.
public struct WordCoverage: Sendable, Equatable {
    /// Tokens of the question (after truncation to `maxTokens`).
    public var words: Int
    /// Words that are neither in the vocabulary nor have any known sub-word: they encode as `<UNK>`.
    public var unknownWords: Int
    /// Words outside the vocabulary represented by their known sub-words alone.
    public var subwordOnlyWords: Int

    init(words: Int, unknownWords: Int, subwordOnlyWords: Int) {
        self.words = words
        self.unknownWords = unknownWords
        self.subwordOnlyWords = subwordOnlyWords
    }

    /// False when the question has no word, or every word is unknown.
    public var hasKnownWords: Bool { words > unknownWords }
}
