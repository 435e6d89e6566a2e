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
