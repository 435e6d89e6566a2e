/// A trained (or fresh) question model: its configuration, vocabulary, optional sub-word vocabulary and
/// encoder weights. Turns question text into unit vectors whose dot product is the questions' cosine similarity.
///
/// A model of several members (`ModelConfig.members`) has one encoder per member, all reading the same
/// vocabularies; a question's vector is the members' unit vectors side by side, each scaled by 1/√members.
public struct SiameseModel: Sendable {
    /// The hyperparameters the model was built and trained with.
    public var config: ModelConfig
    /// One encoder per member, of d/members values each.
    package var encoders: [Encoder]
    /// The encoder of a one-member model (what training and the gradient tests work on).
    package var encoder: Encoder {
        get {
            precondition(encoders.count == 1, "a model of \(encoders.count) members has no single encoder")
            return encoders[0]
        }
        set {
            precondition(encoders.count == 1, "a model of \(encoders.count) members has no single encoder")
            encoders[0] = newValue
        }
    }
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
        let lexicon = Lexicon(vocabulary: vocabulary, subwords: subwords)
        self.lexicon = lexicon
        encoders = (0..<max(1, config.members)).map { index in
            let member = config.memberConfig(index)
            return Encoder(weights: EncoderWeights(vocabularySize: vocabulary.count, dimension: member.dimension,
                                                   seed: member.seed, subwordCount: lexicon.subwordCount,
                                                   bidirectional: member.bidirectional))
        }
    }

    /// A model of `config.members` members from their encoders (trained one by one), over one lexicon.
    package init(config: ModelConfig, lexicon: Lexicon, encoders: [Encoder]) {
        precondition(encoders.count == config.members
                     && encoders.allSatisfy { $0.dimension == config.memberDimension },
                     "\(encoders.count) encoders for a model of \(config.members) members of \(config.memberDimension) values")
        self.config = config
        self.lexicon = lexicon
        self.encoders = encoders
    }

    /// Member `index` as a model of its own (its configuration, the shared lexicon, its encoder): what trains it.
    package func member(_ index: Int) -> SiameseModel {
        SiameseModel(config: config.memberConfig(index), lexicon: lexicon, encoders: [encoders[index]])
    }

    /// The stored name of a member's tensor: the first member's tensors keep the single encoder's names (a
    /// one-member model is stored as before), member k ≥ 1's are prefixed `member<k>.`.
    package static func storedName(_ name: String, member index: Int) -> String {
        index == 0 ? name : "member\(index).\(name)"
    }

    /// Every member's weights as named tensors, for storage.
    package var tensors: [NamedTensor] {
        encoders.enumerated().flatMap { index, encoder in
            encoder.weights.tensors.map {
                NamedTensor(name: Self.storedName($0.name, member: index), shape: $0.shape, values: $0.values)
            }
        }
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
        let lexicon = Lexicon(vocabulary: vocabulary, subwords: subwords)
        self.lexicon = lexicon
        // Split the tensors by member; a `member<k>.` tensor of no member is refused like any unexpected weight.
        var byMember = [[NamedTensor]](repeating: [], count: config.members)
        for tensor in tensors {
            guard tensor.name.hasPrefix("member"), let dot = tensor.name.firstIndex(of: ".") else {
                byMember[0].append(tensor)
                continue
            }
            let number = tensor.name[tensor.name.index(tensor.name.startIndex, offsetBy: 6)..<dot]
            guard let index = Int(number), index >= 1, index < config.members, String(index) == number else {
                throw EncoderError.unexpectedWeight(name: tensor.name, shape: tensor.shape)
            }
            byMember[index].append(NamedTensor(name: String(tensor.name[tensor.name.index(after: dot)...]),
                                               shape: tensor.shape, values: tensor.values))
        }
        encoders = try byMember.enumerated().map { index, memberTensors in
            do {
                return Encoder(weights: try EncoderWeights(
                    vocabularySize: vocabulary.count, dimension: config.memberDimension,
                    subwordCount: lexicon.subwordCount, bidirectional: config.bidirectional, tensors: memberTensors))
            } catch let error as EncoderError where index > 0 {
                throw error.naming(member: index)
            }
        }
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
        guard lexicon.subwords != nil else { return try encode(ids: texts.map(tokenIDs), workspace: workspace) }
        // A batch (bulk encoding) reads the vocabulary's precomputed sub-words; a question or two (a one-shot
        // query) computes its words' n-grams instead of the whole table's.
        if texts.count >= Self.batchTokenizingThreshold { lexicon.prepareForBatches() }
        let questions = texts.map(tokenized)
        return try combined(texts.count) { try $0.encode(questions, workspace: workspace) }
    }

    /// The number of questions from which `encode` builds the lexicon's table of sub-words first.
    static let batchTokenizingThreshold = 16

    /// Unit vectors of questions given as word ids (no sub-words), [count, d] in input order.
    package func encode(ids: [[Int32]], workspace: EncoderWorkspace = EncoderWorkspace()) throws -> [Float] {
        try combined(ids.count) { try $0.encode(ids, workspace: workspace) }
    }

    /// The members' unit vectors of `count` questions side by side, each scaled by 1/√members: [count, d].
    private func combined(_ count: Int, _ encode: (Encoder) throws -> [Float]) throws -> [Float] {
        guard encoders.count > 1 else { return try encode(encoders[0]) }
        let d = dimension, m = config.memberDimension
        let scale = 1 / Float(encoders.count).squareRoot()
        var vectors = [Float](repeating: 0, count: count * d)
        for (index, encoder) in encoders.enumerated() {
            let part = try encode(encoder)
            for row in 0..<count {
                for j in 0..<m { vectors[row * d + index * m + j] = part[row * m + j] * scale }
            }
        }
        return vectors
    }

    /// Cosine similarity of two questions: the one-shot test.
    public func similarity(_ first: String, _ second: String) throws -> Float {
        let vectors = try encode([first, second])
        let d = dimension
        return VectorMath.dot(Array(vectors[0..<d]), Array(vectors[d..<(2 * d)]))
    }
}
