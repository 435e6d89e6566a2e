/// A trained (or fresh) question model: its configuration, vocabulary and encoder weights.
/// Turns question text into unit vectors whose dot product is the questions' cosine similarity.
public struct SiameseModel: Sendable {
    public var config: ModelConfig
    public let vocabulary: Vocabulary
    public var encoder: Encoder

    public var tokenizer: Tokenizer { Tokenizer(maxTokens: config.maxTokens) }
    public var dimension: Int { config.dimension }

    /// A model with fresh weights, seeded by `config.seed`.
    public init(config: ModelConfig, vocabulary: Vocabulary) {
        self.config = config
        self.vocabulary = vocabulary
        encoder = Encoder(weights: EncoderWeights(vocabularySize: vocabulary.count, dimension: config.dimension,
                                                  seed: config.seed))
    }

    /// A model from stored parts; the weights' shapes must match the vocabulary and dimension.
    public init(config: ModelConfig, vocabulary: Vocabulary, tensors: [NamedTensor]) throws {
        try config.validate()
        self.config = config
        self.vocabulary = vocabulary
        encoder = Encoder(weights: try EncoderWeights(vocabularySize: vocabulary.count, dimension: config.dimension,
                                                      tensors: tensors))
    }

    /// Token ids of one question (possibly empty).
    public func tokenIDs(_ text: String) -> [Int32] {
        vocabulary.ids(of: tokenizer.tokens(text))
    }

    /// Unit vectors of `texts`, [count, d] row-major, in input order.
    /// - Throws: `EncoderError.emptyQuestion(index:)` when a text has no words.
    public func encode(_ texts: [String]) throws -> [Float] {
        try encoder.encode(texts.map(tokenIDs))
    }

    /// Cosine similarity of two questions: the one-shot test.
    public func similarity(_ first: String, _ second: String) throws -> Float {
        let vectors = try encode([first, second])
        let d = dimension
        return VectorMath.dot(Array(vectors[0..<d]), Array(vectors[d..<(2 * d)]))
    }
}
