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
    /// The word vocabulary built from the training questions.
    public let vocabulary: Vocabulary
    /// The number of question texts the vocabulary's counts were taken over: both questions of every row given.
    /// With the counts, the word weights of dedup's keyword term (`KeywordReference`).
    public let vocabularyTexts: Int
    /// The character n-grams of the vocabulary's words; nil when sub-words are off (or none was kept).
    public let subwords: SubwordVocabulary?
    /// The duplicate pairs to train on, as token ids: labelled ones first, then the implied ones.
    public let pairs: [TrainingPair]
    /// Rows labelled as non-duplicates (`is_duplicate = 0`).
    public let nonDuplicates: Int
    /// The non-duplicate rows with words on both sides, as token ids: the `NonDuplicateLoss` trains on
    /// them when the config gives that term a weight.
    public let nonDuplicatePairs: [TrainingPair]
    /// Duplicate pairs left out because a question has no words (only punctuation or symbols).
    public let emptyQuestions: Int
    /// How many of `pairs` are implied by the labels rather than labelled (`config.impliedPairRatio`); they
    /// follow the labelled ones.
    public let impliedPairs: Int
    /// How many of `pairs` are labelled rows.
    public var labelledPairs: Int { pairs.count - impliedPairs }
    /// "400 duplicate pairs" or "400 duplicate pairs (+106 implied by the labels)".
    public var pairsDescription: String {
        "\(labelledPairs) duplicate pairs" + (impliedPairs > 0 ? " (+\(impliedPairs) implied by the labels)" : "")
    }

    /// - Parameters:
    ///   - pairs: rows of a pair file; rows without a label are taken as duplicates.
    ///   - config: supplies `maxTokens`, `minCount`, `maxVocabularySize` and the sub-word settings.
    /// The vocabulary is built from every question of `pairs` (non-duplicates are real questions too).
    public init(pairs: [QuestionPair], config: ModelConfig) {
        let tokenizer = Tokenizer(maxTokens: config.maxTokens, version: config.tokenizerVersion)
        let tokenized = pairs.map { (tokenizer.tokens($0.question1), tokenizer.tokens($0.question2)) }
        vocabulary = Vocabulary(building: tokenized.lazy.flatMap { [$0.0, $0.1] }, minCount: config.minCount,
                                maxSize: config.maxVocabularySize)
        vocabularyTexts = 2 * pairs.count
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
        var training = kept.map { pair in
            TrainingPair(first: pair.first, second: pair.second, firstTokens: pair.firstTokens,
                         secondTokens: pair.secondTokens, firstKey: pair.firstKey, secondKey: pair.secondKey,
                         cluster: clusters.root(of: pair.firstKey))
        }
        let implied = config.impliedPairRatio > 0
            ? Self.impliedPairs(training, ratio: config.impliedPairRatio, seed: config.seed) : []
        training += implied
        impliedPairs = implied.count
        self.pairs = training
        self.nonDuplicates = nonDuplicates
        self.nonDuplicatePairs = nonDuplicatePairs
        self.emptyQuestions = emptyQuestions
    }
}

extension TrainingSet {
    /// Pairs of questions that the labels make duplicates without labelling them: two members of one duplicate
    /// cluster (connected component) that no row pairs. Per cluster, at most `ratio` × its labelled pairs, drawn
    /// in a seeded order, so a cluster of 91 questions adds tens of pairs rather than its 4,095.
    static func impliedPairs(_ labelled: [TrainingPair], ratio: Double, seed: UInt64) -> [TrainingPair] {
        typealias Member = (ids: [Int32], tokens: TokenizedQuestion?)
        var members: [Int: [String]] = [:], labelledCount: [Int: Int] = [:]
        var question: [String: Member] = [:], linked = Set<[String]>()
        for pair in labelled {
            guard let cluster = pair.cluster else { continue }
            labelledCount[cluster, default: 0] += 1
            linked.insert([pair.firstKey, pair.secondKey].sorted())
            for (key, member) in [(pair.firstKey, (pair.first, pair.firstTokens)),
                                  (pair.secondKey, (pair.second, pair.secondTokens))] where question[key] == nil {
                question[key] = member
                members[cluster, default: []].append(key)
            }
        }
        var generator = SeededGenerator(seed: seed ^ 0x1A9E_D9A1_5EED_0001)
        var implied: [TrainingPair] = []
        for cluster in members.keys.sorted() {
            guard let keys = members[cluster], keys.count > 2 else { continue }
            var candidates: [(Int, Int)] = []
            for i in keys.indices {
                for j in (i + 1)..<keys.count where !linked.contains([keys[i], keys[j]].sorted()) {
                    candidates.append((i, j))
                }
            }
            generator.shuffle(&candidates)
            let cap = Int((ratio * Double(labelledCount[cluster] ?? 0)).rounded(.down))
            for (i, j) in candidates.prefix(cap) {
                guard let a = question[keys[i]], let b = question[keys[j]] else { continue }
                implied.append(TrainingPair(first: a.ids, second: b.ids, firstTokens: a.tokens, secondTokens: b.tokens,
                                            firstKey: keys[i], secondKey: keys[j], cluster: cluster))
            }
        }
        return implied
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
