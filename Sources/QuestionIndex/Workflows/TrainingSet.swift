import SiameseNet

/// Labelled pairs turned into what the trainer needs: a vocabulary built from the training questions
/// (with `config.maxSubwords > 0`, also a sub-word vocabulary built from the vocabulary's words) and the
/// duplicate pairs as token ids.
///
/// Questions are identified by qid, else by normalized text: the batcher never puts two pairs that share a
/// question in one batch. Each pair also carries its duplicate cluster, the connected component of its
/// questions in the graph of duplicate pairs: the loss does not take pairs of one cluster as each other's
/// negatives (A~B and C~D with B~C elsewhere), which would push real duplicates apart.
public struct TrainingSet: Sendable {
    public let vocabulary: Vocabulary
    /// The character n-grams of the vocabulary's words; nil when sub-words are off (or none was kept).
    public let subwords: SubwordVocabulary?
    public let pairs: [TrainingPair]
    /// Rows labelled as non-duplicates (`is_duplicate = 0`).
    public let nonDuplicates: Int
    /// The non-duplicate rows with words on both sides, as token ids: the `NonDuplicateLoss` trains on
    /// them when the config gives that term a weight.
    public let nonDuplicatePairs: [TrainingPair]
    /// Duplicate pairs left out because a question has no words (only punctuation or symbols).
    public let emptyQuestions: Int

    /// - Parameters:
    ///   - pairs: rows of a pair file; rows without a label are taken as duplicates.
    ///   - config: supplies `maxTokens`, `minCount`, `maxVocabularySize` and the sub-word settings.
    /// The vocabulary is built from every question of `pairs` (non-duplicates are real questions too).
    public init(pairs: [QuestionPair], config: ModelConfig) {
        let tokenizer = Tokenizer(maxTokens: config.maxTokens, version: config.tokenizerVersion)
        let tokenized = pairs.map { (tokenizer.tokens($0.question1), tokenizer.tokens($0.question2)) }
        vocabulary = Vocabulary(building: tokenized.lazy.flatMap { [$0.0, $0.1] }, minCount: config.minCount,
                                maxSize: config.maxVocabularySize)
        let subwords = config.usesSubwords
            ? SubwordVocabulary(buildingFrom: vocabulary.tokens.dropFirst(2), minN: config.subwordMinN,
                                maxN: config.subwordMaxN, minCount: config.subwordMinCount, maxSize: config.maxSubwords)
            : nil
        let lexicon = Lexicon(vocabulary: vocabulary, subwords: subwords)
        self.subwords = lexicon.subwords
        /// A question's own sub-words when it has an out-of-vocabulary word with known n-grams (the trainer
        /// cannot derive those from the word ids); else nil.
        func ownTokens(_ tokens: [String], _ ids: [Int32]) -> TokenizedQuestion? {
            guard lexicon.subwords != nil, ids.contains(Vocabulary.unknownID) else { return nil }
            let question = lexicon.question(tokens: tokens)
            return question == lexicon.question(ids: ids) ? nil : question
        }
        var kept: [(first: [Int32], second: [Int32], firstTokens: TokenizedQuestion?, secondTokens: TokenizedQuestion?,
                    firstKey: String, secondKey: String)] = []
        var nonDuplicates = 0, emptyQuestions = 0
        var nonDuplicatePairs: [TrainingPair] = []
        for (pair, tokens) in zip(pairs, tokenized) {
            let isDuplicate = pair.isDuplicate ?? true
            if !isDuplicate { nonDuplicates += 1 }
            guard !tokens.0.isEmpty, !tokens.1.isEmpty else {
                if isDuplicate { emptyQuestions += 1 }
                continue
            }
            let keys = QuestionKey.of(pair, tokenizer: tokenizer)
            let first = vocabulary.ids(of: tokens.0), second = vocabulary.ids(of: tokens.1)
            if isDuplicate {
                kept.append((first, second, ownTokens(tokens.0, first), ownTokens(tokens.1, second), keys.0, keys.1))
            } else {
                nonDuplicatePairs.append(TrainingPair(first: first, second: second,
                                                      firstTokens: ownTokens(tokens.0, first),
                                                      secondTokens: ownTokens(tokens.1, second),
                                                      firstKey: keys.0, secondKey: keys.1))
            }
        }
        var clusters = DuplicateClusters()
        for pair in kept { clusters.join(pair.firstKey, pair.secondKey) }
        let training = kept.map { pair in
            TrainingPair(first: pair.first, second: pair.second, firstTokens: pair.firstTokens,
                         secondTokens: pair.secondTokens, firstKey: pair.firstKey, secondKey: pair.secondKey,
                         cluster: clusters.root(of: pair.firstKey))
        }
        self.pairs = training
        self.nonDuplicates = nonDuplicates
        self.nonDuplicatePairs = nonDuplicatePairs
        self.emptyQuestions = emptyQuestions
    }
}

/// The identity of a question of a pair file: its qid when the file has one, else its normalized text.
enum QuestionKey {
    static func of(_ pair: QuestionPair, tokenizer: Tokenizer) -> (String, String) {
        (pair.qid1.map { "qid:" + $0 } ?? "text:" + tokenizer.normalized(pair.question1),
         pair.qid2.map { "qid:" + $0 } ?? "text:" + tokenizer.normalized(pair.question2))
    }
}

/// Union–find over question keys: which questions are duplicates of each other, directly or transitively.
struct DuplicateClusters {
    private var index: [String: Int] = [:]
    private var parent: [Int] = []

    mutating func join(_ a: String, _ b: String) {
        let rootA = root(of: a), rootB = root(of: b)
        if rootA != rootB { parent[max(rootA, rootB)] = min(rootA, rootB) }
    }

    /// The cluster id of `key` (the smallest id of its cluster), adding `key` as a cluster of its own if new.
    mutating func root(of key: String) -> Int {
        var node: Int
        if let known = index[key] {
            node = known
        } else {
            node = parent.count
            index[key] = node
            parent.append(node)
        }
        while parent[node] != node {
            parent[node] = parent[parent[node]]
            node = parent[node]
        }
        return node
    }
}
