/// One duplicate pair ready for training: token ids of both questions, the keys that identify the
/// questions (a qid, or the normalized text) so that a question never appears twice in a batch, and
/// optionally the pair's duplicate cluster, so that pairs of one cluster are not taken as negatives.
public struct TrainingPair: Sendable, Equatable {
    /// Word ids of the first question (`SiameseModel.tokenIDs`), at least one.
    public var first: [Int32]
    /// Word ids of the second question, at least one.
    public var second: [Int32]
    /// Identifies the first question: two pairs with a key in common never share a batch.
    public var firstKey: String
    /// Identifies the second question.
    public var secondKey: String
    /// The connected component of the pair in the graph of duplicates; nil when unknown.
    public var cluster: Int?
    /// The questions with sub-words, when they differ from what the model derives from the word ids (an
    /// out-of-vocabulary word with known n-grams); nil: the trainer takes `first`/`second` with the
    /// precomputed sub-words of their words.
    public var firstTokens: TokenizedQuestion?
    /// The second question with sub-words, as `firstTokens`.
    public var secondTokens: TokenizedQuestion?

    /// A pair whose questions take the precomputed sub-words of their words (or have none).
    public init(first: [Int32], second: [Int32], firstKey: String, secondKey: String, cluster: Int? = nil) {
        self.first = first
        self.second = second
        self.firstKey = firstKey
        self.secondKey = secondKey
        self.cluster = cluster
    }

    /// A pair whose questions carry their own sub-words (`nil` for one that needs none of its own).
    public init(first: [Int32], second: [Int32], firstTokens: TokenizedQuestion?, secondTokens: TokenizedQuestion?,
                firstKey: String, secondKey: String, cluster: Int? = nil) {
        precondition(firstTokens.map { $0.words == first } ?? true && secondTokens.map { $0.words == second } ?? true,
                     "a pair's tokenized questions must have its word ids")
        self.init(first: first, second: second, firstKey: firstKey, secondKey: secondKey, cluster: cluster)
        self.firstTokens = firstTokens
        self.secondTokens = secondTokens
    }
}

/// Splits shuffled pairs into batches in which no question appears twice.
///
/// The loss treats every other pair of a batch as a negative; if two pairs shared a question (A~B and
/// A~C), the loss would push real duplicates apart. A pair that clashes with the batch being filled is
/// deferred to the next batch.
package enum PairBatcher {
    /// Batches of pair indices, in the order of `shuffledOrder`, each of at most `batchSize` pairs with
    /// pairwise-distinct question keys. Batches of a single pair are dropped (no negatives).
    /// - Complexity: O(n) expected, for n pairs with few clashes.
    package static func batches(_ pairs: [TrainingPair], shuffledOrder: [Int], batchSize: Int) -> [[Int]] {
        precondition(batchSize >= 2)
        var batches: [[Int]] = []
        var pending = shuffledOrder[...]
        var deferred: [Int] = []
        while !pending.isEmpty || !deferred.isEmpty {
            var batch: [Int] = []
            var keys = Set<String>()
            var stillDeferred: [Int] = []
            func tryAdd(_ index: Int) -> Bool {
                let pair = pairs[index]
                guard !keys.contains(pair.firstKey), !keys.contains(pair.secondKey) else { return false }
                keys.insert(pair.firstKey)
                keys.insert(pair.secondKey)
                batch.append(index)
                return true
            }
            for index in deferred {
                if batch.count == batchSize || !tryAdd(index) { stillDeferred.append(index) }
            }
            while batch.count < batchSize, let index = pending.popFirst() {
                if !tryAdd(index) { stillDeferred.append(index) }
            }
            if batch.count >= 2 { batches.append(batch) }
            // Progress is guaranteed: the first candidate of every round always fits an empty batch.
            deferred = stillDeferred
            if pending.isEmpty && batch.count < 2 { break }
        }
        return batches
    }
}
