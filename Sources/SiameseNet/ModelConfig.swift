/// Every hyperparameter of a model, stored with it so a run can be reproduced and a stored model is
/// always read back with the rule it was trained with.
public struct ModelConfig: Codable, Sendable, Equatable {
    /// Embedding and LSTM width d.
    public var dimension: Int = 128
    /// Whether the LSTM has a second direction that reads each question from its last word back; each direction
    /// then has d/2 hidden values and the question vector is their means side by side (d values either way).
    public var bidirectional = false
    /// How many encoders of d/members values each are trained independently (own seed, own shuffling, own
    /// dropout) on the same pairs; a question's vector is their unit vectors side by side, each scaled by
    /// 1/√members, so it keeps d values and unit norm and a cosine is the mean of the members' cosines.
    /// 1 is the single encoder of the course.
    public var members = 1
    /// Version of the tokenizer rule (`Tokenizer.version` at training time).
    public var tokenizerVersion: Int = Tokenizer.version
    /// Tokens kept per question; longer questions are truncated.
    public var maxTokens: Int = 64
    /// Words seen fewer times in training map to `<UNK>`.
    public var minCount: Int = 1
    /// Most vocabulary entries, `<PAD>` and `<UNK>` included; nil for no limit.
    public var maxVocabularySize: Int? = nil
    /// Passes over the training pairs.
    public var epochs: Int = 5
    /// Duplicate pairs per batch.
    public var batchSize: Int = 256
    /// Adam's step size.
    public var learningRate: Float = 0.01
    /// Training only: duplicate pairs implied by the labels (A~B and B~C give A~C) added to the training pairs,
    /// at most this many per labelled pair of each duplicate cluster (0: only the labelled pairs, the course).
    public var impliedPairRatio: Double = 0
    /// Training only: the rate at which each value of a token's input vector is dropped (0: off, the course).
    public var inputDropout: Float = 0
    /// α of the triplet loss.
    public var margin: Float = 0.25
    /// Global gradient-norm clip; nil for none.
    public var clipNorm: Float? = nil
    /// Seeds initialization and shuffling.
    public var seed: UInt64 = 1
    /// Weight of the `NonDuplicateLoss` term on labelled non-duplicate pairs; 0 trains on duplicates only
    /// (the course's loss).
    public var nonDuplicateWeight: Float = 0
    /// Most entries of the character n-gram (sub-word) vocabulary; 0 turns sub-words off (the encoder is
    /// then exactly the word-only one).
    public var maxSubwords: Int = 0
    /// Shortest n-gram, in characters of the wrapped word `<w>`.
    public var subwordMinN: Int = 3
    /// Longest n-gram.
    public var subwordMaxN: Int = 5
    /// N-grams found in fewer distinct vocabulary words are left out of the sub-word vocabulary.
    public var subwordMinCount: Int = 1

    /// The course's model: the notebook's encoder and triplet loss, no sub-words, no non-duplicate term.
    public init() {}

    /// The configuration `siamese train` uses unless told otherwise: the course model plus the changes that
    /// measurably helped on Quora (docs/design.md, "Match quality"): labelled non-duplicates as hard
    /// negatives (weight 1), 50,000 character 3–5-gram sub-words, input dropout 0.25 for 8 epochs (the epoch
    /// kept is picked on validation pairs), one implied duplicate pair per labelled pair of a cluster, an
    /// LSTM in both directions, and two members of d/2 side by side.
    public static var recommended: ModelConfig {
        var config = ModelConfig()
        config.bidirectional = true
        config.members = 2
        config.nonDuplicateWeight = 1
        config.maxSubwords = 50_000
        config.inputDropout = 0.25
        config.epochs = 8
        config.impliedPairRatio = 1
        return config
    }

    /// Decodes a stored configuration. A key written by an older build that lacked it takes the value that
    /// build behaved with, so an old database loads and scores exactly as before. Every field added after
    /// the first release must be decoded with `decodeIfPresent` and a default that means "as before".
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dimension = try c.decode(Int.self, forKey: .dimension)
        bidirectional = try c.decodeIfPresent(Bool.self, forKey: .bidirectional) ?? false
        members = try c.decodeIfPresent(Int.self, forKey: .members) ?? 1
        tokenizerVersion = try c.decode(Int.self, forKey: .tokenizerVersion)
        maxTokens = try c.decode(Int.self, forKey: .maxTokens)
        minCount = try c.decode(Int.self, forKey: .minCount)
        maxVocabularySize = try c.decodeIfPresent(Int.self, forKey: .maxVocabularySize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        margin = try c.decode(Float.self, forKey: .margin)
        inputDropout = try c.decodeIfPresent(Float.self, forKey: .inputDropout) ?? 0
        impliedPairRatio = try c.decodeIfPresent(Double.self, forKey: .impliedPairRatio) ?? 0
        clipNorm = try c.decodeIfPresent(Float.self, forKey: .clipNorm)
        seed = try c.decode(UInt64.self, forKey: .seed)
        nonDuplicateWeight = try c.decodeIfPresent(Float.self, forKey: .nonDuplicateWeight) ?? 0
        maxSubwords = try c.decodeIfPresent(Int.self, forKey: .maxSubwords) ?? 0
        subwordMinN = try c.decodeIfPresent(Int.self, forKey: .subwordMinN) ?? 3
        subwordMaxN = try c.decodeIfPresent(Int.self, forKey: .subwordMaxN) ?? 5
        subwordMinCount = try c.decodeIfPresent(Int.self, forKey: .subwordMinCount) ?? 1
    }

    /// The width of one member's encoder: d/members.
    public var memberDimension: Int { dimension / max(1, members) }

    /// The configuration member `index` is trained with: its share of the dimension, and for every member but
    /// the first a seed of its own (the first keeps `seed`, so a one-member model's member 0 is the model's own
    /// configuration).
    public func memberConfig(_ index: Int) -> ModelConfig {
        precondition(index >= 0 && index < max(1, members), "member \(index) of \(members)")
        var config = self
        config.dimension = memberDimension
        config.members = 1
        config.seed = seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        return config
    }

    /// Whether the model has a sub-word vocabulary.
    public var usesSubwords: Bool { maxSubwords > 0 }

    /// Checks the values a user can set, with a message naming the bad one.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw ModelConfigError.invalid(message) }
        }
        try require(dimension >= 1 && dimension <= 4096, "dimension must be between 1 and 4096, got \(dimension)")
        try require(members >= 1 && members <= Self.maximumMembers,
                    "members must be between 1 and \(Self.maximumMembers), got \(members)")
        try require(dimension % members == 0,
                    "the dimension (\(dimension)) must be a multiple of the members (\(members)): d/members values each")
        try require(!bidirectional || memberDimension % 2 == 0,
                    members == 1 ? "a bidirectional model needs an even dimension (d/2 per direction), got \(dimension)"
                        : "a bidirectional model needs an even dimension per member (d/2 per direction), got \(dimension)/\(members) = \(memberDimension)")
        try require(maxTokens >= 1, "max tokens must be at least 1, got \(maxTokens)")
        try require(minCount >= 1, "min count must be at least 1, got \(minCount)")
        try require(maxVocabularySize.map { $0 >= 3 } ?? true, "max vocabulary size must be at least 3")
        try require(epochs >= 1, "epochs must be at least 1, got \(epochs)")
        try require(batchSize >= 2, "batch size must be at least 2 (the loss needs negatives), got \(batchSize)")
        try require(learningRate > 0 && learningRate.isFinite, "learning rate must be positive, got \(learningRate)")
        try require(margin >= 0 && margin.isFinite, "margin must be non-negative, got \(margin)")
        try require(inputDropout >= 0 && inputDropout < 1, "input dropout must be in [0, 1), got \(inputDropout)")
        try require(impliedPairRatio >= 0 && impliedPairRatio <= 1000,
                    "implied pair ratio must be between 0 and 1000, got \(impliedPairRatio)")
        try require(nonDuplicateWeight >= 0 && nonDuplicateWeight.isFinite,
                    "non-duplicate weight must be non-negative, got \(nonDuplicateWeight)")
        try require(clipNorm.map { $0 > 0 && $0.isFinite } ?? true, "clip norm must be positive")
        try require(maxSubwords >= 0, "max sub-words must be 0 (off) or more, got \(maxSubwords)")
        try require(subwordMinN >= 1 && subwordMinN <= 32, "sub-word min n must be between 1 and 32, got \(subwordMinN)")
        try require(subwordMaxN >= subwordMinN && subwordMaxN <= 32,
                    "sub-word max n must be between the min n (\(subwordMinN)) and 32, got \(subwordMaxN)")
        try require(subwordMinCount >= 1, "sub-word min count must be at least 1, got \(subwordMinCount)")
        try validateLimits()
        try require(Tokenizer.supportedVersions.contains(tokenizerVersion),
                    "the model uses tokenizer version \(tokenizerVersion); this build reads versions \(Tokenizer.supportedVersions.lowerBound) to \(Tokenizer.supportedVersions.upperBound)")
    }
}

/// A configuration value out of its range, thrown by `ModelConfig.validate`.
public enum ModelConfigError: Error, Equatable, CustomStringConvertible {
    /// The message names the value and its allowed range.
    case invalid(String)
    /// The message, for the user.
    public var description: String {
        switch self { case .invalid(let message): return message }
    }
}
