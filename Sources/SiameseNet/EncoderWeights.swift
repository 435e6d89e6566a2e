/// The parameters of the question encoder: Embedding(V, d) (plus, with sub-words, Embedding(S, d)) → LSTM
/// (one direction of width d, or two of width d/2 whose outputs are concatenated).
///
/// LSTM gates are laid out i, f, g, o along the 4·H axis (H the hidden width of a direction): for an input row
/// x and previous state h, z = x·inputWeights + h·recurrentWeights + bias.
package struct EncoderWeights: Sendable, Equatable {
    package let vocabularySize: Int
    package let dimension: Int
    /// Rows of `subwordEmbedding`; 0 when the model has no sub-words.
    package let subwordCount: Int
    /// Whether a second LSTM reads each question from its last word back (`ModelConfig.bidirectional`).
    package let bidirectional: Bool
    /// [V, d]
    package var embedding: [Float]
    /// [d, 4H]
    package var inputWeights: [Float]
    /// [H, 4H]
    package var recurrentWeights: [Float]
    /// [4H]
    package var bias: [Float]
    /// The reverse direction's [d, 4H], [H, 4H] and [4H]; empty when not `bidirectional`.
    package var reverseInputWeights: [Float]
    package var reverseRecurrentWeights: [Float]
    package var reverseBias: [Float]
    /// [S, d] sub-word embedding; empty when `subwordCount` is 0.
    package var subwordEmbedding: [Float]

    /// The hidden width H of one LSTM direction: d, or d/2 in each of two directions, so the question vector
    /// keeps d values either way.
    package var hiddenSize: Int { Self.hiddenSize(dimension: dimension, bidirectional: bidirectional) }

    static func hiddenSize(dimension: Int, bidirectional: Bool) -> Int { bidirectional ? dimension / 2 : dimension }

    /// Names of the stored tensors of a one-direction model without sub-words, in the order of `tensors`.
    package static let tensorNames = ["embedding", "lstm.input_weight", "lstm.recurrent_weight", "lstm.bias"]
    /// Names of the reverse direction's tensors, after `tensorNames` in `tensors` (only when bidirectional).
    package static let reverseTensorNames = ["lstm.reverse.input_weight", "lstm.reverse.recurrent_weight",
                                             "lstm.reverse.bias"]
    /// Name of the stored sub-word embedding, last in `tensors` (absent without sub-words).
    package static let subwordTensorName = "subword_embedding"

    /// Zero-filled weights (used for gradients and optimizer moments).
    package init(zerosForVocabularySize vocabularySize: Int, dimension: Int, subwordCount: Int = 0,
                 bidirectional: Bool = false) {
        precondition(vocabularySize >= 2 && dimension >= 1 && subwordCount >= 0)
        precondition(!bidirectional || dimension % 2 == 0, "a bidirectional encoder needs an even dimension")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.subwordCount = subwordCount
        self.bidirectional = bidirectional
        let h = Self.hiddenSize(dimension: dimension, bidirectional: bidirectional)
        embedding = Array(repeating: 0, count: vocabularySize * dimension)
        subwordEmbedding = Array(repeating: 0, count: subwordCount * dimension)
        inputWeights = Array(repeating: 0, count: dimension * 4 * h)
        recurrentWeights = Array(repeating: 0, count: h * 4 * h)
        bias = Array(repeating: 0, count: 4 * h)
        reverseInputWeights = bidirectional ? inputWeights : []
        reverseRecurrentWeights = bidirectional ? recurrentWeights : []
        reverseBias = bidirectional ? bias : []
    }

    /// Zero-filled weights of the same shapes as `weights`.
    package init(zerosLike weights: EncoderWeights) {
        self.init(zerosForVocabularySize: weights.vocabularySize, dimension: weights.dimension,
                  subwordCount: weights.subwordCount, bidirectional: weights.bidirectional)
    }

    /// Fresh weights: embedding ~ N(0, 1) (as `nn.Embedding` and Trax do), LSTM weights uniform in
    /// ±1/√H (as `nn.LSTM`), biases 0 except the forget gate's, which starts at 1 so that early training
    /// keeps the cell state instead of forgetting it. The sub-word embedding, ~ N(0, 1) as well, and then the
    /// reverse direction are drawn last from the same stream: the other tensors are those of the same seed
    /// without them.
    package init(vocabularySize: Int, dimension: Int, seed: UInt64, subwordCount: Int = 0, bidirectional: Bool = false) {
        self.init(zerosForVocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount,
                  bidirectional: bidirectional)
        var random = SeededGenerator(seed: seed)
        for i in embedding.indices { embedding[i] = random.nextGaussian() }
        // Padding never reaches the model (sequences are packed), but keep its row at zero like padding_idx.
        for k in 0..<dimension { embedding[k] = 0 }
        let h = hiddenSize, limit = 1 / Float(h).squareRoot()
        for i in inputWeights.indices { inputWeights[i] = random.nextFloat(in: -limit..<limit) }
        for i in recurrentWeights.indices { recurrentWeights[i] = random.nextFloat(in: -limit..<limit) }
        for k in h..<(2 * h) { bias[k] = 1 }
        for i in subwordEmbedding.indices { subwordEmbedding[i] = random.nextGaussian() }
        guard bidirectional else { return }
        for i in reverseInputWeights.indices { reverseInputWeights[i] = random.nextFloat(in: -limit..<limit) }
        for i in reverseRecurrentWeights.indices { reverseRecurrentWeights[i] = random.nextFloat(in: -limit..<limit) }
        for k in h..<(2 * h) { reverseBias[k] = 1 }
    }

    /// Restores weights from stored tensors, checking that every expected name is present with the right shape,
    /// and that no tensor the model does not have (a sub-word table, a reverse direction) is stored.
    /// The stored arrays become the weights as they are (no zero-filled arrays first: a model with 50,000
    /// sub-words would allocate and clear 38 MB only to replace them).
    package init(vocabularySize: Int, dimension: Int, subwordCount: Int = 0, bidirectional: Bool = false,
                 tensors: [NamedTensor]) throws {
        precondition(vocabularySize >= 2 && dimension >= 1 && subwordCount >= 0)
        precondition(!bidirectional || dimension % 2 == 0, "a bidirectional encoder needs an even dimension")
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.subwordCount = subwordCount
        self.bidirectional = bidirectional
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        let names = Self.names(subwordCount: subwordCount, bidirectional: bidirectional)
        let expected = Self.shapes(vocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount,
                                   bidirectional: bidirectional)
        for name in Self.names(subwordCount: 1, bidirectional: true) where !names.contains(name) {
            if let extra = byName[name] { throw EncoderError.unexpectedWeight(name: extra.name, shape: extra.shape) }
        }
        for (name, shape) in zip(names, expected) {
            guard let tensor = byName[name] else { throw EncoderError.missingWeight(name) }
            guard tensor.shape == shape, tensor.values.count == shape.reduce(1, *) else {
                throw EncoderError.weightShapeMismatch(name: name, expected: shape, found: tensor.shape)
            }
        }
        // Tensors the model does not have stay empty.
        embedding = []; inputWeights = []; recurrentWeights = []; bias = []
        reverseInputWeights = []; reverseRecurrentWeights = []; reverseBias = []; subwordEmbedding = []
        for (name, tensor) in Self.storedTensors where names.contains(name) {
            self[keyPath: tensor] = byName[name]?.values ?? []
        }
    }

    static func names(subwordCount: Int, bidirectional: Bool = false) -> [String] {
        tensorNames + (bidirectional ? reverseTensorNames : []) + (subwordCount > 0 ? [subwordTensorName] : [])
    }

    /// Every tensor's stored name and property, in the order of `tensors`.
    private static var storedTensors: [(name: String, tensor: WritableKeyPath<EncoderWeights, [Float]>)] {
        zip(tensorNames + reverseTensorNames + [subwordTensorName], allTensors).map { ($0, $1) }
    }

    static func shapes(vocabularySize: Int, dimension: Int, subwordCount: Int = 0, bidirectional: Bool = false) -> [[Int]] {
        let h = hiddenSize(dimension: dimension, bidirectional: bidirectional)
        let lstm = [[dimension, 4 * h], [h, 4 * h], [4 * h]]
        return [[vocabularySize, dimension]] + lstm + (bidirectional ? lstm : [])
            + (subwordCount > 0 ? [[subwordCount, dimension]] : [])
    }

    /// The weights as named tensors, for storage; the reverse direction and `subword_embedding` only when the
    /// model has them.
    package var tensors: [NamedTensor] {
        let shapes = Self.shapes(vocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount,
                                 bidirectional: bidirectional)
        let names = Self.names(subwordCount: subwordCount, bidirectional: bidirectional)
        let values = Self.storedTensors.filter { names.contains($0.name) }.map { self[keyPath: $0.tensor] }
        return zip(names, zip(shapes, values)).map { NamedTensor(name: $0.0, shape: $0.1.0, values: $0.1.1) }
    }

    /// Every tensor, in the order of `tensors` (empty arrays for those the model does not have), for loops
    /// that treat them alike (the optimizer, zeroing, storage).
    static var allTensors: [WritableKeyPath<EncoderWeights, [Float]>] {
        [\.embedding, \.inputWeights, \.recurrentWeights, \.bias,
         \.reverseInputWeights, \.reverseRecurrentWeights, \.reverseBias, \.subwordEmbedding]
    }

    /// The number of scalar parameters.
    package var parameterCount: Int {
        Self.allTensors.reduce(0) { $0 + self[keyPath: $1].count }
    }
}

/// Errors the encoder reports to its caller instead of producing NaNs or crashing.
public enum EncoderError: Error, Equatable, CustomStringConvertible {
    /// The question at `index` of the batch has no tokens (empty, or only punctuation/symbols).
    case emptyQuestion(index: Int)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(index: Int, token: Int32, vocabularySize: Int)
    /// A sub-word id outside the sub-word vocabulary.
    case subwordOutOfRange(index: Int, subword: Int32, subwordCount: Int)
    /// A stored model lacks the weight tensor of this name.
    case missingWeight(String)
    /// A stored tensor the model does not have (a sub-word embedding for a model without sub-words, a reverse
    /// direction for a one-direction model).
    case unexpectedWeight(name: String, shape: [Int])
    /// A stored weight tensor whose shape does not fit the model's vocabulary and dimension.
    case weightShapeMismatch(name: String, expected: [Int], found: [Int])

    /// A one-line message for the user, naming the question (counted from 1) or the weight.
    public var description: String {
        switch self {
        case .emptyQuestion(let index):
            return "question \(index + 1) has no words to encode"
        case .tokenOutOfRange(let index, let token, let size):
            return "question \(index + 1) has token id \(token), outside the vocabulary of \(size)"
        case .subwordOutOfRange(let index, let subword, let size):
            return "question \(index + 1) has sub-word id \(subword), outside the sub-word vocabulary of \(size)"
        case .unexpectedWeight(let name, let shape):
            return "weight \"\(name)\" (shape \(shape)) is stored but the model's configuration has no such weight"
        case .missingWeight(let name):
            return "weight \"\(name)\" is missing"
        case .weightShapeMismatch(let name, let expected, let found):
            return "weight \"\(name)\" has shape \(found), expected \(expected)"
        }
    }
}

extension EncoderWeights {
    /// Sets every value to zero, keeping the storage.
    mutating func zeroAll() {
        for tensor in Self.allTensors {
            self[keyPath: tensor].withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}

extension EncoderError {
    /// The same error with the weight's stored name, `member<k>.` prefixed, for member `index` ≥ 1 of a model.
    func naming(member index: Int) -> EncoderError {
        let name = { SiameseModel.storedName($0, member: index) }
        switch self {
        case .missingWeight(let weight): return .missingWeight(name(weight))
        case .unexpectedWeight(let weight, let shape): return .unexpectedWeight(name: name(weight), shape: shape)
        case .weightShapeMismatch(let weight, let expected, let found):
            return .weightShapeMismatch(name: name(weight), expected: expected, found: found)
        case .emptyQuestion, .tokenOutOfRange, .subwordOutOfRange: return self
        }
    }
}
