/// The parameters of the question encoder: Embedding(V, d) → LSTM(d).
///
/// LSTM gates are laid out i, f, g, o along the 4·d axis: for an input row x and previous state h,
/// z = x·inputWeights + h·recurrentWeights + bias.
public struct EncoderWeights: Sendable, Equatable {
    public let vocabularySize: Int
    public let dimension: Int
    /// [V, d]
    public var embedding: [Float]
    /// [d, 4d]
    public var inputWeights: [Float]
    /// [d, 4d]
    public var recurrentWeights: [Float]
    /// [4d]
    public var bias: [Float]

    /// Names of the stored tensors, in the order of `tensors`.
    public static let tensorNames = ["embedding", "lstm.input_weight", "lstm.recurrent_weight", "lstm.bias"]

    /// Zero-filled weights (used for gradients and optimizer moments).
    public init(zerosForVocabularySize vocabularySize: Int, dimension: Int) {
        precondition(vocabularySize >= 2 && dimension >= 1)
        self.vocabularySize = vocabularySize
        self.dimension = dimension
        embedding = Array(repeating: 0, count: vocabularySize * dimension)
        inputWeights = Array(repeating: 0, count: dimension * 4 * dimension)
        recurrentWeights = Array(repeating: 0, count: dimension * 4 * dimension)
        bias = Array(repeating: 0, count: 4 * dimension)
    }

    /// Fresh weights: embedding ~ N(0, 1) (as `nn.Embedding` and Trax do), LSTM weights uniform in
    /// ±1/√d (as `nn.LSTM`), biases 0 except the forget gate's, which starts at 1 so that early training
    /// keeps the cell state instead of forgetting it.
    public init(vocabularySize: Int, dimension: Int, seed: UInt64) {
        self.init(zerosForVocabularySize: vocabularySize, dimension: dimension)
        var random = SeededGenerator(seed: seed)
        for i in embedding.indices { embedding[i] = random.nextGaussian() }
        // Padding never reaches the model (sequences are packed), but keep its row at zero like padding_idx.
        for k in 0..<dimension { embedding[k] = 0 }
        let limit = 1 / Float(dimension).squareRoot()
        for i in inputWeights.indices { inputWeights[i] = random.nextFloat(in: -limit..<limit) }
        for i in recurrentWeights.indices { recurrentWeights[i] = random.nextFloat(in: -limit..<limit) }
        for k in dimension..<(2 * dimension) { bias[k] = 1 }
    }

    /// Restores weights from stored tensors, checking that every expected name is present with the right shape.
    public init(vocabularySize: Int, dimension: Int, tensors: [NamedTensor]) throws {
        self.init(zerosForVocabularySize: vocabularySize, dimension: dimension)
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        let expected = Self.shapes(vocabularySize: vocabularySize, dimension: dimension)
        var restored: [[Float]] = []
        for (name, shape) in zip(Self.tensorNames, expected) {
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
    }

    static func shapes(vocabularySize: Int, dimension: Int) -> [[Int]] {
        [[vocabularySize, dimension], [dimension, 4 * dimension], [dimension, 4 * dimension], [4 * dimension]]
    }

    /// The weights as named tensors, for storage.
    public var tensors: [NamedTensor] {
        let shapes = Self.shapes(vocabularySize: vocabularySize, dimension: dimension)
        return zip(Self.tensorNames, zip(shapes, [embedding, inputWeights, recurrentWeights, bias]))
            .map { NamedTensor(name: $0.0, shape: $0.1.0, values: $0.1.1) }
    }

    /// The number of scalar parameters.
    public var parameterCount: Int { embedding.count + inputWeights.count + recurrentWeights.count + bias.count }
}

/// Errors the encoder reports to its caller instead of producing NaNs or crashing.
public enum EncoderError: Error, Equatable, CustomStringConvertible {
    /// The question at `index` of the batch has no tokens (empty, or only punctuation/symbols).
    case emptyQuestion(index: Int)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(index: Int, token: Int32, vocabularySize: Int)
    case missingWeight(String)
    case weightShapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .emptyQuestion(let index):
            return "question \(index + 1) has no words to encode"
        case .tokenOutOfRange(let index, let token, let size):
            return "question \(index + 1) has token id \(token), outside the vocabulary of \(size)"
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
    }
}
