/// A word vocabulary with its (optional) sub-word vocabulary and the sub-word ids of every vocabulary word,
/// precomputed once in CSR form: training and known words pay no string work, only out-of-vocabulary words
/// have their n-grams computed from the string.
package struct Lexicon: Sendable {
    package let vocabulary: Vocabulary
    /// nil when the model has no sub-words (then every question is its word ids alone).
    package let subwords: SubwordVocabulary?
    /// Word id w's sub-word ids are `wordSubwords[wordOffsets[w] ..< wordOffsets[w + 1]]`; empty when off.
    private let wordOffsets: [Int32]
    private let wordSubwords: [Int32]

    /// - Parameter subwords: an empty table counts as none.
    package init(vocabulary: Vocabulary, subwords: SubwordVocabulary?) {
        self.vocabulary = vocabulary
        let subwords = subwords.flatMap { $0.count > 0 ? $0 : nil }
        self.subwords = subwords
        guard let subwords else {
            wordOffsets = []
            wordSubwords = []
            return
        }
        var offsets: [Int32] = [0], ids: [Int32] = []
        offsets.reserveCapacity(vocabulary.count + 1)
        for (id, token) in vocabulary.tokens.enumerated() {
            // The reserved tokens are not words: no sub-words.
            if id >= 2 { subwords.appendIDs(ofWord: token, to: &ids) }
            offsets.append(Int32(ids.count))
        }
        wordOffsets = offsets
        wordSubwords = ids
    }

    package var subwordCount: Int { subwords?.count ?? 0 }

    /// The question of word ids `ids` (every word known or `<UNK>`; an `<UNK>` has no sub-words here).
    package func question(ids: [Int32]) -> TokenizedQuestion {
        guard subwords != nil else { return TokenizedQuestion(words: ids) }
        var offsets: [Int32] = [0], subwordIDs: [Int32] = []
        offsets.reserveCapacity(ids.count + 1)
        for id in ids {
            if id >= 0 && Int(id) < vocabulary.count {
                subwordIDs += wordSubwords[Int(wordOffsets[Int(id)])..<Int(wordOffsets[Int(id) + 1])]
            }
            offsets.append(Int32(subwordIDs.count))
        }
        return TokenizedQuestion(words: ids, subwordOffsets: offsets, subwords: subwordIDs)
    }

    /// The question of tokens `tokens`: vocabulary words with their precomputed sub-words, other words with
    /// the known n-grams of their text.
    package func question(tokens: [String]) -> TokenizedQuestion {
        let ids = vocabulary.ids(of: tokens)
        guard let subwords else { return TokenizedQuestion(words: ids) }
        var offsets: [Int32] = [0], subwordIDs: [Int32] = []
        offsets.reserveCapacity(ids.count + 1)
        for (token, id) in zip(tokens, ids) {
            if id == Vocabulary.unknownID {
                subwords.appendIDs(ofWord: token, to: &subwordIDs)
            } else {
                subwordIDs += wordSubwords[Int(wordOffsets[Int(id)])..<Int(wordOffsets[Int(id) + 1])]
            }
            offsets.append(Int32(subwordIDs.count))
        }
        return TokenizedQuestion(words: ids, subwordOffsets: offsets, subwords: subwordIDs)
    }

    /// The share of a word's distinct n-grams that must be known for an out-of-vocabulary word to count as
    /// known through its sub-words. One stray known n-gram ("zv>" of "xqzv") says nothing about a word; a word
    /// close to a known one ("zorp" beside "zorro": 3 of 9) keeps a third or more.
    package static let knownSubwordShare = 1.0 / 3

    /// Counts the words of `tokens` that are unknown: not in the vocabulary, and with fewer than
    /// `knownSubwordShare` of their n-grams known.
    package func coverage(of tokens: [String]) -> WordCoverage {
        var unknown = 0, subwordOnly = 0
        for token in tokens where vocabulary.id(of: token) == Vocabulary.unknownID {
            guard let subwords else { unknown += 1; continue }
            let known = Set(subwords.ids(ofWord: token)).count
            let all = Set(SubwordVocabulary.ngrams(of: token, minN: subwords.minN, maxN: subwords.maxN)).count
            if known > 0 && Double(known) >= Self.knownSubwordShare * Double(max(all, 1)) {
                subwordOnly += 1
            } else {
                unknown += 1
            }
        }
        return WordCoverage(words: tokens.count, unknownWords: unknown, subwordOnlyWords: subwordOnly)
    }
}
