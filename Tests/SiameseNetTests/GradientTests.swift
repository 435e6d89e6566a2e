import Testing
@testable import SiameseNet

/// Hand-written backward passes checked against central finite differences.
@Suite struct GradientTests {
    static let vocabularySize = 9, dimension = 5
    static let step: Float = 2e-3

    /// Analytic gradient of `objective(unit vectors)` with respect to every parameter, given its gradient function.
    func analytic(_ weights: EncoderWeights, _ sequences: [[Int32]], unitGradient: [Float]) throws -> EncoderWeights {
        let encoder = Encoder(weights: weights)
        let activations = encoder.forward(try PackedBatch(sequences, vocabularySize: weights.vocabularySize))
        var gradients = EncoderWeights(zerosForVocabularySize: weights.vocabularySize, dimension: weights.dimension)
        encoder.backward(activations, unitGradients: unitGradient, into: &gradients)
        return gradients
    }

    /// Compares analytic and numeric derivatives of `loss` for every entry of one tensor.
    func checkTensor(_ keyPath: WritableKeyPath<EncoderWeights, [Float]>, weights: EncoderWeights,
                     analytic gradient: EncoderWeights, loss: (EncoderWeights) throws -> Float) throws {
        var worst: Float = 0
        for index in weights[keyPath: keyPath].indices {
            var plus = weights, minus = weights
            plus[keyPath: keyPath][index] += Self.step
            minus[keyPath: keyPath][index] -= Self.step
            let numeric = (try loss(plus) - loss(minus)) / (2 * Self.step)
            let exact = gradient[keyPath: keyPath][index]
            let error = abs(numeric - exact) / max(1, abs(exact))
            worst = max(worst, error)
        }
        #expect(worst < 2e-3, "worst relative error \(worst)")
    }

    /// A linear objective on the unit vectors, L = Σ U ⊙ R: exercises embedding, LSTM, the masked mean
    /// (sequences of different lengths) and the normalization.
    @Test(arguments: [\EncoderWeights.embedding, \.inputWeights, \.recurrentWeights, \.bias])
    func encoderParameters(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let weights = EncoderWeights(vocabularySize: Self.vocabularySize, dimension: Self.dimension, seed: 21)
        let sequences = randomSequences(lengths: [4, 1, 6, 3], vocabularySize: Self.vocabularySize, seed: 4)
        let r = randomVector(count: sequences.count * Self.dimension, seed: 8)
        let loss = { (w: EncoderWeights) throws -> Float in
            VectorMath.dot(try Encoder(weights: w).encode(sequences), r)
        }
        let gradient = try analytic(weights, sequences, unitGradient: r)
        try checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }

    /// The same objective with sub-words: questions mixing plain words, vocabulary words with sub-words and
    /// `<UNK>` (id 1) tokens represented by their sub-words alone; checks E_word and E_sub rows too.
    @Test(arguments: [\EncoderWeights.embedding, \.subwordEmbedding, \.inputWeights, \.recurrentWeights, \.bias])
    func encoderParametersWithSubwords(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let weights = EncoderWeights(vocabularySize: Self.vocabularySize, dimension: Self.dimension, seed: 23,
                                     subwordCount: 7)
        let questions = randomQuestions(lengths: [4, 1, 6, 3], vocabularySize: Self.vocabularySize, subwordCount: 7,
                                        seed: 12)
        let r = randomVector(count: questions.count * Self.dimension, seed: 9)
        let loss = { (w: EncoderWeights) throws -> Float in
            VectorMath.dot(try Encoder(weights: w).encode(questions), r)
        }
        let encoder = Encoder(weights: weights)
        let activations = encoder.forward(try PackedBatch(questions, vocabularySize: weights.vocabularySize,
                                                          subwordCount: weights.subwordCount))
        var gradient = EncoderWeights(zerosForVocabularySize: weights.vocabularySize, dimension: weights.dimension,
                                      subwordCount: weights.subwordCount)
        encoder.backward(activations, unitGradients: r, into: &gradient)
        // The <UNK> row is not used by <UNK> tokens with sub-words; rows of unused sub-words get nothing.
        if keyPath == \EncoderWeights.subwordEmbedding {
            #expect(gradient.subwordEmbedding.contains { $0 != 0 })
        }
        try checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }

    /// With input dropout (a fixed mask, drawn from one seed in both the analytic and the numeric passes), on
    /// questions with sub-words: the mask multiplies the input gradient before it is scattered to E_word, E_sub.
    @Test(arguments: [\EncoderWeights.embedding, \.subwordEmbedding, \.inputWeights, \.recurrentWeights, \.bias])
    func encoderParametersWithInputDropout(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let weights = EncoderWeights(vocabularySize: Self.vocabularySize, dimension: Self.dimension, seed: 29,
                                     subwordCount: 7)
        let questions = randomQuestions(lengths: [4, 1, 6, 3], vocabularySize: Self.vocabularySize, subwordCount: 7,
                                        seed: 13)
        let batch = try PackedBatch(questions, vocabularySize: weights.vocabularySize, subwordCount: weights.subwordCount)
        let r = randomVector(count: questions.count * Self.dimension, seed: 10)
        let dropout = (rate: Float(0.3), seed: UInt64(77))
        let loss = { (w: EncoderWeights) throws -> Float in
            let units = Encoder(weights: w).forward(batch, inputDropout: dropout)
            return VectorMath.dot(units.unitVectorsInInputOrder(), r)
        }
        let encoder = Encoder(weights: weights)
        let activations = encoder.forward(batch, inputDropout: dropout)
        #expect(activations.hasInputDropout)
        var gradient = EncoderWeights(zerosForVocabularySize: weights.vocabularySize, dimension: weights.dimension,
                                      subwordCount: weights.subwordCount)
        encoder.backward(activations, unitGradients: r, into: &gradient)
        try checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }

    /// Two directions, with sub-words and input dropout: the reverse direction's weights, and the input gradient
    /// it moves back to the forward layout before the dropout mask and the scatter to E_word and E_sub.
    @Test(arguments: [\EncoderWeights.embedding, \.subwordEmbedding, \.inputWeights, \.recurrentWeights, \.bias,
                      \.reverseInputWeights, \.reverseRecurrentWeights, \.reverseBias])
    func bidirectionalEncoderParameters(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let weights = EncoderWeights(vocabularySize: Self.vocabularySize, dimension: 6, seed: 31, subwordCount: 7,
                                     bidirectional: true)
        let questions = randomQuestions(lengths: [4, 1, 6, 3], vocabularySize: Self.vocabularySize, subwordCount: 7,
                                        seed: 14)
        let batch = try PackedBatch(questions, vocabularySize: weights.vocabularySize, subwordCount: weights.subwordCount)
        let r = randomVector(count: questions.count * 6, seed: 11)
        let dropout = (rate: Float(0.3), seed: UInt64(78))
        let loss = { (w: EncoderWeights) throws -> Float in
            VectorMath.dot(Encoder(weights: w).forward(batch, inputDropout: dropout).unitVectorsInInputOrder(), r)
        }
        let encoder = Encoder(weights: weights)
        var gradient = EncoderWeights(zerosLike: weights)
        encoder.backward(encoder.forward(batch, inputDropout: dropout), unitGradients: r, into: &gradient)
        #expect(gradient[keyPath: keyPath].contains { $0 != 0 })
        try checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }

    @Test(arguments: [nil, [1, 1, 2, 3, 2]])
    func tripletLossWithRespectToItsInputs(groups: [Int]?) {
        let n = 5, d = 4
        let a = VectorMath.l2Normalized(randomVector(count: n * d, seed: 1), dimension: d)
        let b = VectorMath.l2Normalized(randomVector(count: n * d, seed: 2), dimension: d)
        let loss = TripletLoss(margin: 0.25)
        let evaluation = loss.evaluate(a, b, dimension: d, groups: groups)
        #expect(evaluation.loss > 0)
        for (input, gradient, isA) in [(a, evaluation.gradientA, true), (b, evaluation.gradientB, false)] {
            for index in input.indices {
                var plus = input, minus = input
                plus[index] += 1e-3
                minus[index] -= 1e-3
                let lossPlus = isA ? loss.evaluate(plus, b, dimension: d, groups: groups).loss
                    : loss.evaluate(a, plus, dimension: d, groups: groups).loss
                let lossMinus = isA ? loss.evaluate(minus, b, dimension: d, groups: groups).loss
                    : loss.evaluate(a, minus, dimension: d, groups: groups).loss
                let numeric = (lossPlus - lossMinus) / 2e-3
                #expect(abs(numeric - gradient[index]) < 2e-3, "index \(index): \(numeric) vs \(gradient[index])")
            }
        }
    }

    /// The whole training objective: encoder on both sides of each pair, then the triplet loss.
    @Test(arguments: [\EncoderWeights.embedding, \.inputWeights, \.recurrentWeights, \.bias])
    func encoderPlusTripletLoss(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let n = 4, d = Self.dimension
        let weights = EncoderWeights(vocabularySize: Self.vocabularySize, dimension: d, seed: 5)
        let sequences = randomSequences(lengths: [3, 5, 2, 4, 1, 3, 6, 2], vocabularySize: Self.vocabularySize, seed: 6)
        // A margin large enough that every hinge is active: the loss is smooth around these weights.
        let tripletLoss = TripletLoss(margin: 3)
        let loss = { (w: EncoderWeights) throws -> Float in
            let units = try Encoder(weights: w).encode(sequences)
            return tripletLoss.evaluate(Array(units[0..<(n * d)]), Array(units[(n * d)...]), dimension: d).loss
        }
        let units = try Encoder(weights: weights).encode(sequences)
        let evaluation = tripletLoss.evaluate(Array(units[0..<(n * d)]), Array(units[(n * d)...]), dimension: d)
        let gradient = try analytic(weights, sequences, unitGradient: evaluation.gradientA + evaluation.gradientB)
        try checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }
}
