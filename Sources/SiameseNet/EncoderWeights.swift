/// The parameters of the question encoder: Embedding(V, d) (plus, with sub-words, Embedding(S, d)) → LSTM(d).
///
/// LSTM gates are laid out i, f, g, o along the 4·d axis: for an input row x and previous state h,
/// z = x·inputWeights + h·recurrentWeights + bias.
package struct EncoderWeights: Sendable, Equatable {
    package let vocabularySize: Int
    package let dimension: Int
    /// Rows of `subwordEmbedding`; 0 when the model has no sub-words.
    package let subwordCount: Int
    /// [V, d]
    package var embedding: [Float]
    /// [d, 4d]
    package var inputWeights: [Float]
    /// [d, 4d]
    package var recurrentWeights: [Float]
    /// [4d]
    package var bias: [Float]
    /// [S, d] sub-word embedding; empty when `subwordCount` is 0.
    package var subwordEmbedding: [Float]

    /// Names of the stored tensors of a model without sub-words, in the order of `tensors`.
    package static let tensorNames = ["embedding", "lstm.input_weight", "lstm.recurrent_weight", "lstm.bias"]
    /// Name of the stored sub-word embedding, after `tensorNames` in `tensors` (absent without sub-words).
    package static let subwordTensorName = "subword_embedding"

    /// Zero-filled weights (used for gradients and optimizer moments).
    package init(zerosForVocabularySize vocabularySize: Int, dimension: Int, subwordCount: Int = 0) {
        precondition(vocabularySize >= 2 && dimension >= 1 && subwordCount >= 0)
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.subwordCount = subwordCount
        embedding = Array(repeating: 0, count: vocabularySize * dimension)
        subwordEmbedding = Array(repeating: 0, count: subwordCount * dimension)
        inputWeights = Array(repeating: 0, count: dimension * 4 * dimension)
        recurrentWeights = Array(repeating: 0, count: dimension * 4 * dimension)
        bias = Array(repeating: 0, count: 4 * dimension)
    }

    /// Fresh weights: embedding ~ N(0, 1) (as `nn.Embedding` and Trax do), LSTM weights uniform in
    /// ±1/√d (as `nn.LSTM`), biases 0 except the forget gate's, which starts at 1 so that early training
    /// keeps the cell state instead of forgetting it. The sub-word embedding, ~ N(0, 1) as well, is drawn
    /// last from the same stream: the other tensors are those of the same seed without sub-words.
    package init(vocabularySize: Int, dimension: Int, seed: UInt64, subwordCount: Int = 0) {
        self.init(zerosForVocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount)
        var random = SeededGenerator(seed: seed)
        for i in embedding.indices { embedding[i] = random.nextGaussian() }
        // Padding never reaches the model (sequences are packed), but keep its row at zero like padding_idx.
        for k in 0..<dimension { embedding[k] = 0 }
        let limit = 1 / Float(dimension).squareRoot()
        for i in inputWeights.indices { inputWeights[i] = random.nextFloat(in: -limit..<limit) }
        for i in recurrentWeights.indices { recurrentWeights[i] = random.nextFloat(in: -limit..<limit) }
        for k in dimension..<(2 * dimension) { bias[k] = 1 }
        for i in subwordEmbedding.indices { subwordEmbedding[i] = random.nextGaussian() }
    }

    /// Restores weights from stored tensors, checking that every expected name is present with the right shape,
    /// and that a model without sub-words has no sub-word tensor.
    /// The stored arrays become the weights as they are (no zero-filled arrays first: a model with 50,000
    /// sub-words would allocate and clear 38 MB only to replace them).
    package init(vocabularySize: Int, dimension: Int, subwordCount: Int = 0, tensors: [NamedTensor]) throws {
        precondition(vocabularySize >= 2 && dimension >= 1 && subwordCount >= 0)
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        self.subwordCount = subwordCount
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        let expected = Self.shapes(vocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount)
        if subwordCount == 0, let extra = byName[Self.subwordTensorName] {
            throw EncoderError.unexpectedWeight(name: extra.name, shape: extra.shape)
        }
        var restored: [[Float]] = []
        for (name, shape) in zip(Self.names(subwordCount: subwordCount), expected) {
            guard let tensor = byName[name] else { throw EncoderError.missingWeight(name) }
            guard tensor.shape == shape, tensor.values.count == shape.reduce(1, *) else {
                throw EncoderError.weightShapeMismatch(name: name, expected: shape, found: tensor.shape)
            }
            restored.append(tensor.values)
        }
        embedding = restored[0]
        inputWeights = restored[1]
        recurrentWeights = restored[2]
        bias = restored[3]
        subwordEmbedding = subwordCount > 0 ? restored[4] : []
    }

    static func names(subwordCount: Int) -> [String] {
        subwordCount > 0 ? tensorNames + [subwordTensorName] : tensorNames
    }

    static func shapes(vocabularySize: Int, dimension: Int, subwordCount: Int = 0) -> [[Int]] {
        [[vocabularySize, dimension], [dimension, 4 * dimension], [dimension, 4 * dimension], [4 * dimension]]
            + (subwordCount > 0 ? [[subwordCount, dimension]] : [])
    }

    /// The weights as named tensors, for storage; `subword_embedding` only when the model has sub-words.
    package var tensors: [NamedTensor] {
        let shapes = Self.shapes(vocabularySize: vocabularySize, dimension: dimension, subwordCount: subwordCount)
        let values = [embedding, inputWeights, recurrentWeights, bias] + (subwordCount > 0 ? [subwordEmbedding] : [])
        return zip(Self.names(subwordCount: subwordCount), zip(shapes, values))
            .map { NamedTensor(name: $0.0, shape: $0.1.0, values: $0.1.1) }
    }

    /// The number of scalar parameters.
    package var parameterCount: Int {
        embedding.count + inputWeights.count + recurrentWeights.count + bias.count + subwordEmbedding.count
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
    /// A stored tensor the model does not have (a sub-word embedding for a model without sub-words).
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
            return "weight \"\(name)\" (shape \(shape)) is stored but the model has no sub-word vocabulary"
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
        embedding.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        inputWeights.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        recurrentWeights.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        bias.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        subwordEmbedding.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
