import Foundation

/// A word vocabulary with its (optional) sub-word vocabulary and the sub-word ids of every vocabulary word in
/// CSR form, computed once on first use by a batch: training and bulk encoding pay no string work for known
/// words, and a one-shot query, which reads a dozen words, does not compute the n-grams of all the others (a
/// tenth of a `siamese compare` process with the Quora model). Only out-of-vocabulary words always have their
/// n-grams computed from the string.
package struct Lexicon: Sendable {
    package let vocabulary: Vocabulary
    /// nil when the model has no sub-words (then every question is its word ids alone).
    package let subwords: SubwordVocabulary?
    private let table: WordSubwordTable

    /// - Parameter subwords: an empty table counts as none.
    package init(vocabulary: Vocabulary, subwords: SubwordVocabulary?) {
        self.vocabulary = vocabulary
        self.subwords = subwords.flatMap { $0.count > 0 ? $0 : nil }
        table = WordSubwordTable()
    }

    /// The table of every vocabulary word's sub-word ids, built on the first call.
    private func wordTable(_ subwords: SubwordVocabulary) -> WordSubwordTable.Built {
        table.built {
            var offsets: [Int32] = [0], ids: [Int32] = []
            offsets.reserveCapacity(vocabulary.count + 1)
            for (id, token) in vocabulary.tokens.enumerated() {
                // The reserved tokens are not words: no sub-words.
                if id >= 2 { subwords.appendIDs(ofWord: token, to: &ids) }
                offsets.append(Int32(ids.count))
            }
            return WordSubwordTable.Built(offsets: offsets, ids: ids)
        }
    }

    /// Builds the table of the vocabulary's sub-word ids now, if the model has sub-words: for callers about to
    /// tokenize many questions (it is built once per lexicon either way).
    package func prepareForBatches() {
        if let subwords { _ = wordTable(subwords) }
    }

    package var subwordCount: Int { subwords?.count ?? 0 }

    /// The question of word ids `ids` (every word known or `<UNK>`; an `<UNK>` has no sub-words here).
    package func question(ids: [Int32]) -> TokenizedQuestion {
        guard let subwords else { return TokenizedQuestion(words: ids) }
        let table = wordTable(subwords)
        var offsets: [Int32] = [0], subwordIDs: [Int32] = []
        offsets.reserveCapacity(ids.count + 1)
        for id in ids {
            if id >= 0 && Int(id) < vocabulary.count {
                subwordIDs += table.ids[Int(table.offsets[Int(id)])..<Int(table.offsets[Int(id) + 1])]
            }
            offsets.append(Int32(subwordIDs.count))
        }
        return TokenizedQuestion(words: ids, subwordOffsets: offsets, subwords: subwordIDs)
    }

    /// The question of tokens `tokens`: vocabulary words with their sub-words (from the table once it is built,
    /// else from their text: the same ids), other words with the known n-grams of their text.
    package func question(tokens: [String]) -> TokenizedQuestion {
        let ids = vocabulary.ids(of: tokens)
        guard let subwords else { return TokenizedQuestion(words: ids) }
        let table = self.table.builtIfReady
        var offsets: [Int32] = [0], subwordIDs: [Int32] = []
        offsets.reserveCapacity(ids.count + 1)
        for (token, id) in zip(tokens, ids) {
            if id == Vocabulary.unknownID {
                subwords.appendIDs(ofWord: token, to: &subwordIDs)
            } else if let table {
                subwordIDs += table.ids[Int(table.offsets[Int(id)])..<Int(table.offsets[Int(id) + 1])]
            } else if id >= 2 {
                subwords.appendIDs(ofWord: token, to: &subwordIDs)
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

/// The vocabulary words' sub-word ids in CSR form (word w's are `ids[offsets[w] ..< offsets[w + 1]]`), built
/// once under a lock by whichever thread needs it first; a lexicon and its copies share one.
private final class WordSubwordTable: @unchecked Sendable {
    struct Built {
        var offsets: [Int32]
        var ids: [Int32]
    }

    private let lock = NSLock()
    private var value: Built?

    /// The table, building it with `build` if no call has yet.
    func built(_ build: () -> Built) -> Built {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let built = build()
        value = built
        return built
    }

    /// The table if it has been built, else nil.
    var builtIfReady: Built? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
