/// A trained (or fresh) question model: its configuration, vocabulary, optional sub-word vocabulary and
/// encoder weights. Turns question text into unit vectors whose dot product is the questions' cosine similarity.
public struct SiameseModel: Sendable {
    /// The hyperparameters the model was built and trained with.
    public var config: ModelConfig
    package var encoder: Encoder
    /// The vocabulary, sub-word vocabulary and each vocabulary word's sub-word ids.
    package let lexicon: Lexicon

    /// The word vocabulary.
    public var vocabulary: Vocabulary { lexicon.vocabulary }
    /// The sub-word vocabulary; nil when the model has none (`config.maxSubwords == 0`, or no n-gram was kept).
    public var subwords: SubwordVocabulary? { lexicon.subwords }
    /// The tokenizer of the model's rule version and token limit, which every question goes through.
    public var tokenizer: Tokenizer { Tokenizer(maxTokens: config.maxTokens, version: config.tokenizerVersion) }
    /// The length d of a question vector.
    public var dimension: Int { config.dimension }

    /// A model with fresh weights, seeded by `config.seed`.
    /// - Parameter subwords: the sub-word vocabulary (an empty one counts as none); its n-gram lengths must be the config's.
    public init(config: ModelConfig, vocabulary: Vocabulary, subwords: SubwordVocabulary? = nil) {
        precondition(subwords.map { $0.minN == config.subwordMinN && $0.maxN == config.subwordMaxN } ?? true,
                     "the sub-word vocabulary's n-gram lengths differ from the configuration's")
        self.config = config
        lexicon = Lexicon(vocabulary: vocabulary, subwords: subwords)
        encoder = Encoder(weights: EncoderWeights(vocabularySize: vocabulary.count, dimension: config.dimension,
                                                  seed: config.seed, subwordCount: lexicon.subwordCount,
                                                  bidirectional: config.bidirectional))
    }

    /// A model from stored parts; the weights' shapes must match the vocabularies and dimension.
    /// - Throws: `ModelConfigError`, `SubwordVocabularyError` when the sub-word vocabulary does not fit the
    ///   configuration, `EncoderError` for missing, extra or misshapen weights.
    package init(config: ModelConfig, vocabulary: Vocabulary, subwords: SubwordVocabulary? = nil,
                 tensors: [NamedTensor]) throws {
        try config.validate()
        if let subwords, subwords.count > 0 {
            guard config.maxSubwords > 0 else {
                throw SubwordVocabularyError.invalid("\(subwords.count) n-grams for a model configured without sub-words")
            }
            guard subwords.count <= config.maxSubwords else {
                throw SubwordVocabularyError.invalid("\(subwords.count) n-grams, more than the configured \(config.maxSubwords)")
            }
            guard subwords.minN == config.subwordMinN, subwords.maxN == config.subwordMaxN else {
                throw SubwordVocabularyError.invalid("n-gram lengths \(subwords.minN)...\(subwords.maxN) differ from the configuration's \(config.subwordMinN)...\(config.subwordMaxN)")
            }
        }
        self.config = config
        lexicon = Lexicon(vocabulary: vocabulary, subwords: subwords)
        encoder = Encoder(weights: try EncoderWeights(vocabularySize: vocabulary.count, dimension: config.dimension,
                                                      subwordCount: lexicon.subwordCount,
                                                      bidirectional: config.bidirectional, tensors: tensors))
    }

    /// Word ids of one question (possibly empty); out-of-vocabulary words are `Vocabulary.unknownID`.
    public func tokenIDs(_ text: String) -> [Int32] {
        vocabulary.ids(of: tokenizer.tokens(text))
    }

    /// One question as the encoder reads it: word ids and the known sub-words of each word.
    public func tokenized(_ text: String) -> TokenizedQuestion {
        lexicon.question(tokens: tokenizer.tokens(text))
    }

    /// A question given as word ids (known words or `<UNK>`), with the precomputed sub-words of its words.
    func tokenized(ids: [Int32]) -> TokenizedQuestion {
        lexicon.question(ids: ids)
    }

    /// How many words of `text` the model knows nothing about (neither the word nor any of its n-grams).
    public func coverage(of text: String) -> WordCoverage {
        lexicon.coverage(of: tokenizer.tokens(text))
    }

    /// Unit vectors of `texts`, [count, d] row-major, in input order.
    /// - Throws: `EncoderError.emptyQuestion(index:)` when a text has no words.
    public func encode(_ texts: [String]) throws -> [Float] {
        try encode(texts, workspace: EncoderWorkspace())
    }

    /// As `encode(_:)`, with scratch buffers a caller reuses from one batch to the next on one thread.
    func encode(_ texts: [String], workspace: EncoderWorkspace) throws -> [Float] {
        guard lexicon.subwords != nil else { return try encoder.encode(texts.map(tokenIDs), workspace: workspace) }
        return try encoder.encode(texts.map(tokenized), workspace: workspace)
    }

    /// Cosine similarity of two questions: the one-shot test.
    public func similarity(_ first: String, _ second: String) throws -> Float {
        let vectors = try encode([first, second])
        let d = dimension
        return VectorMath.dot(Array(vectors[0..<d]), Array(vectors[d..<(2 * d)]))
    }
}
