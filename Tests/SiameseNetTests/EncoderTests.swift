import Testing
@testable import SiameseNet

@Suite struct EncoderTests {
    @Test func packedEqualsPadded() throws {
        let weights = EncoderWeights(vocabularySize: 30, dimension: 8, seed: 7)
        let sequences = randomSequences(lengths: [5, 1, 9, 3, 9, 2, 7], vocabularySize: 30, seed: 11)
        let packed = try Encoder(weights: weights).encode(sequences)
        let padded = paddedReferenceEncode(weights, sequences)
        #expect(packed.count == padded.count)
        for (x, y) in zip(packed, padded) { #expect(abs(x - y) < 1e-5) }
    }

    /// Two directions: the reverse one reads each question from its last token; packed rows moved to the reversed
    /// layout equal a padded reference that reverses each sequence (lengths 1 to 9, so rows move across steps).
    @Test func bidirectionalPackedEqualsPadded() throws {
        let weights = EncoderWeights(vocabularySize: 30, dimension: 8, seed: 7, bidirectional: true)
        #expect(weights.hiddenSize == 4 && weights.inputWeights.count == 8 * 16 && weights.recurrentWeights.count == 4 * 16)
        let sequences = randomSequences(lengths: [5, 1, 9, 3, 9, 2, 7], vocabularySize: 30, seed: 11)
        let packed = try Encoder(weights: weights).encode(sequences)
        let padded = paddedReferenceEncode(weights, sequences)
        #expect(packed.count == padded.count)
        for (x, y) in zip(packed, padded) { #expect(abs(x - y) < 1e-5) }
        // The reverse direction matters: a question and its reverse get different vectors, unlike with its
        // weights swapped for the forward ones (then the reversed question's vector is the original's halves swapped).
        let forward = try Encoder(weights: weights).encode([[3, 4, 5]]), backward = try Encoder(weights: weights).encode([[5, 4, 3]])
        #expect(zip(forward, backward).contains { abs($0 - $1) > 1e-3 })
        var mirrored = weights
        mirrored.reverseInputWeights = weights.inputWeights
        mirrored.reverseRecurrentWeights = weights.recurrentWeights
        mirrored.reverseBias = weights.bias
        let a = try Encoder(weights: mirrored).encode([[3, 4, 5]]), b = try Encoder(weights: mirrored).encode([[5, 4, 3]])
        for k in 0..<4 {
            #expect(abs(a[k] - b[4 + k]) < 1e-6 && abs(a[4 + k] - b[k]) < 1e-6)
        }
    }

    @Test func reversedRowsMoveEachTokenToItsMirrorStep() throws {
        // Sorted lengths 3, 2, 1: step 0 rows 0-2, step 1 rows 3-4, step 2 row 5.
        let batch = try PackedBatch([[1, 2], [1, 2, 3], [4]], vocabularySize: 5)
        #expect(batch.reversedRows() == [5, 4, 2, 3, 1, 0])
    }

    /// A workspace reused from a long batch to a shorter one leaves nothing of the first in the second's vectors.
    @Test(arguments: [false, true])
    func aReusedWorkspaceEncodesAsAFreshOne(bidirectional: Bool) throws {
        let encoder = Encoder(weights: EncoderWeights(vocabularySize: 30, dimension: 8, seed: 5, bidirectional: bidirectional))
        let long = randomSequences(lengths: [9, 12, 3, 7, 11], vocabularySize: 30, seed: 6)
        let short = randomSequences(lengths: [2, 5, 1], vocabularySize: 30, seed: 7)
        let workspace = EncoderWorkspace()
        _ = try encoder.encode(long, workspace: workspace)
        #expect(try encoder.encode(short, workspace: workspace) == encoder.encode(short))
        #expect(try encoder.encode(long, workspace: workspace) == encoder.encode(long))
    }

    @Test func embeddingDoesNotDependOnTheBatch() throws {
        let encoder = Encoder(weights: EncoderWeights(vocabularySize: 30, dimension: 8, seed: 3))
        let sequences = randomSequences(lengths: [4, 12, 1, 6], vocabularySize: 30, seed: 5)
        let together = try encoder.encode(sequences)
        for (index, sequence) in sequences.enumerated() {
            let alone = try encoder.encode([sequence])
            for k in 0..<8 { #expect(abs(alone[k] - together[index * 8 + k]) < 1e-6) }
        }
    }

    @Test func outputsAreUnitVectors() throws {
        let encoder = Encoder(weights: EncoderWeights(vocabularySize: 50, dimension: 16, seed: 1))
        let vectors = try encoder.encode(randomSequences(lengths: [1, 2, 30], vocabularySize: 50, seed: 2))
        for row in 0..<3 {
            let norm = vectors[(row * 16)..<(row * 16 + 16)].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func emptyQuestionAndBadTokenAreErrors() {
        let encoder = Encoder(weights: EncoderWeights(vocabularySize: 10, dimension: 4, seed: 1))
        #expect(throws: EncoderError.emptyQuestion(index: 1)) { try encoder.encode([[2, 3], [], [4]]) }
        #expect(throws: EncoderError.tokenOutOfRange(index: 0, token: 10, vocabularySize: 10)) {
            try encoder.encode([[10]])
        }
    }

    @Test func forgetBiasStartsAtOne() {
        let weights = EncoderWeights(vocabularySize: 10, dimension: 4, seed: 1)
        #expect(weights.bias == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func weightsRoundTripThroughNamedTensorsAndShapesAreChecked() throws {
        let weights = EncoderWeights(vocabularySize: 12, dimension: 4, seed: 9)
        let restored = try EncoderWeights(vocabularySize: 12, dimension: 4, tensors: weights.tensors)
        #expect(restored == weights)
        var tensors = weights.tensors
        tensors[2] = NamedTensor(name: "lstm.recurrent_weight", shape: [4, 15], values: Array(repeating: 0, count: 60))
        #expect(throws: EncoderError.weightShapeMismatch(name: "lstm.recurrent_weight", expected: [4, 16], found: [4, 15])) {
            try EncoderWeights(vocabularySize: 12, dimension: 4, tensors: tensors)
        }
        #expect(throws: EncoderError.missingWeight("lstm.bias")) {
            try EncoderWeights(vocabularySize: 12, dimension: 4, tensors: Array(weights.tensors.prefix(3)))
        }
    }

    @Test func bidirectionalWeightsRoundTripAndAreNotReadAsOneDirection() throws {
        let weights = EncoderWeights(vocabularySize: 12, dimension: 6, seed: 9, subwordCount: 5, bidirectional: true)
        #expect(weights.tensors.map(\.name) == ["embedding", "lstm.input_weight", "lstm.recurrent_weight", "lstm.bias",
                                                "lstm.reverse.input_weight", "lstm.reverse.recurrent_weight",
                                                "lstm.reverse.bias", "subword_embedding"])
        #expect(weights.tensors[5].shape == [3, 12] && weights.reverseBias == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
        let restored = try EncoderWeights(vocabularySize: 12, dimension: 6, subwordCount: 5, bidirectional: true,
                                          tensors: weights.tensors)
        #expect(restored == weights)
        #expect(throws: EncoderError.unexpectedWeight(name: "lstm.reverse.input_weight", shape: [6, 12])) {
            try EncoderWeights(vocabularySize: 12, dimension: 6, subwordCount: 5, tensors: weights.tensors)
        }
        let oneDirection = EncoderWeights(vocabularySize: 12, dimension: 6, seed: 9, subwordCount: 5)
        // A one-direction model's LSTM is d wide, not d/2: its tensors do not fit.
        #expect(throws: EncoderError.weightShapeMismatch(name: "lstm.input_weight", expected: [6, 12], found: [6, 24])) {
            try EncoderWeights(vocabularySize: 12, dimension: 6, subwordCount: 5, bidirectional: true,
                               tensors: oneDirection.tensors)
        }
        // The embedding is drawn first: the same for either kind of model of one seed.
        #expect(weights.embedding == oneDirection.embedding)
    }
}

@Suite struct ParallelEncodingTests {
    func model() -> SiameseModel {
        var config = ModelConfig()
        config.dimension = 8
        let words = (0..<30).map { "w\($0)" }
        return SiameseModel(config: config, vocabulary: Vocabulary(building: [words]))
    }

    func texts(_ count: Int, seed: UInt64) -> [String] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            (0..<(1 + Int(random.next() % 9))).map { _ in "w\(random.next() % 35)" }.joined(separator: " ")
        }
    }

    @Test func parallelBatchesEqualOneBatchAtATime() throws {
        BLAS.setThreadCount(1)
        let model = model(), texts = texts(23, seed: 4)
        let sequential = try model.encode(texts, batchSize: 4, workers: 1)
        for workers in [2, 3, 8] {
            #expect(try model.encode(texts, batchSize: 4, workers: workers) == sequential)
        }
        // A batch's result does not depend on its neighbours: equal to encoding all at once, up to rounding.
        let whole = try model.encode(texts)
        for (x, y) in zip(sequential, whole) { #expect(abs(x - y) < 1e-6) }
        #expect(BLAS.threadCount == 1)
    }

    @Test func emptyQuestionIsReportedAtItsIndexInTheInput() {
        var texts = texts(20, seed: 9)
        texts[13] = "?!"
        texts[17] = ""
        for workers in [1, 3] {
            #expect(throws: EncoderError.emptyQuestion(index: 13)) {
                try model().encode(texts, batchSize: 4, workers: workers)
            }
        }
    }
}

/// `NamedTensor.allFinite`, which guards every model load against the weights of a diverged run: 16 lanes at a
/// time and a scalar tail, so a bad value must be found in every position of both.
@Suite struct FiniteWeightTests {
    @Test func everyNonFiniteValueIsFoundWhereverItIs() {
        for count in [0, 1, 15, 16, 17, 33, 100] {
            var finite: [Float] = (0..<count).map { (i: Int) -> Float in
                let sign: Float = i % 2 == 0 ? -1 : 1
                return sign * Float(i % 7) * 1e30
            }
            finite += [Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude, -0.0, Float.leastNonzeroMagnitude]
            #expect(NamedTensor.allFinite(finite), "\(count)")
            #expect(NamedTensor.allFinite(Array(finite.prefix(count))), "\(count)")
            for position in 0..<count {
                for bad in [Float.nan, .infinity, -.infinity, .signalingNaN] {
                    var values = Array(finite.prefix(count))
                    values[position] = bad
                    #expect(!NamedTensor.allFinite(values), "\(bad) at \(position) of \(count)")
                }
            }
        }
    }
}
