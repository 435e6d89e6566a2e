import Testing
@testable import SiameseNet

@Suite struct NonDuplicateLossTests {
    /// Two duplicate pairs and three non-duplicates on 2-d unit vectors, worked by hand.
    @Test func valueMatchesTheFormulaByHand() {
        // Duplicates: cos = 1 (identical) and cos = 0 (orthogonal).
        let pa: [Float] = [1, 0, 0, 1], pb: [Float] = [1, 0, 1, 0]
        // Non-duplicates: cos = 0.6, 1.0, -1.0; paired with duplicates 0, 1, 0.
        let na: [Float] = [1, 0, 1, 0, 1, 0], nb: [Float] = [0.6, 0.8, 1, 0, -1, 0]
        let loss = NonDuplicateLoss(margin: 0.25, weight: 0.5)
        let evaluation = loss.evaluate(positiveA: pa, positiveB: pb, negativeA: na, negativeB: nb, dimension: 2)
        // max(0.6 − 1 + 0.25, 0) = 0; max(1 − 0 + 0.25, 0) = 1.25; max(−1 − 1 + 0.25, 0) = 0.
        #expect(abs(evaluation.loss - 0.5 * 1.25) < 1e-6)
        // Only the second non-duplicate and its duplicate (index 1) get gradients.
        #expect(evaluation.gradientNegativeA == [0, 0, 0.5, 0, 0, 0])
        #expect(evaluation.gradientNegativeB == [0, 0, 0.5, 0, 0, 0])
        #expect(evaluation.gradientPositiveA == [0, 0, -0.5, 0])
        #expect(evaluation.gradientPositiveB == [0, 0, 0, -0.5])
    }

    @Test func gradientsMatchFiniteDifferences() {
        let n = 3, m = 5, d = 4
        let inputs = [VectorMath.l2Normalized(randomVector(count: n * d, seed: 11), dimension: d),
                      VectorMath.l2Normalized(randomVector(count: n * d, seed: 12), dimension: d),
                      VectorMath.l2Normalized(randomVector(count: m * d, seed: 13), dimension: d),
                      VectorMath.l2Normalized(randomVector(count: m * d, seed: 14), dimension: d)]
        // A margin large enough that every hinge is active, so the loss is smooth here.
        let loss = NonDuplicateLoss(margin: 3, weight: 0.7)
        func value(_ x: [[Float]]) -> Float {
            loss.evaluate(positiveA: x[0], positiveB: x[1], negativeA: x[2], negativeB: x[3], dimension: d).loss
        }
        let evaluation = loss.evaluate(positiveA: inputs[0], positiveB: inputs[1], negativeA: inputs[2],
                                       negativeB: inputs[3], dimension: d)
        let gradients = [evaluation.gradientPositiveA, evaluation.gradientPositiveB,
                         evaluation.gradientNegativeA, evaluation.gradientNegativeB]
        for which in 0..<4 {
            for index in inputs[which].indices {
                var plus = inputs, minus = inputs
                plus[which][index] += 1e-3
                minus[which][index] -= 1e-3
                let numeric = (value(plus) - value(minus)) / 2e-3
                #expect(abs(numeric - gradients[which][index]) < 2e-3,
                        "input \(which) index \(index): \(numeric) vs \(gradients[which][index])")
            }
        }
    }

    /// The training objective with non-duplicates, through the encoder: one packed pass over
    /// [A, B, non-duplicate firsts, non-duplicate seconds], as `Trainer.trainStep` does.
    @Test(arguments: [\EncoderWeights.embedding, \.inputWeights, \.recurrentWeights, \.bias])
    func encoderPlusBothLosses(_ keyPath: WritableKeyPath<EncoderWeights, [Float]> & Sendable) throws {
        let n = 3, m = 2, d = GradientTests.dimension, v = GradientTests.vocabularySize
        let weights = EncoderWeights(vocabularySize: v, dimension: d, seed: 15)
        let sequences = randomSequences(lengths: [3, 5, 2, 4, 1, 3, 6, 2, 2, 4], vocabularySize: v, seed: 16)
        let triplet = TripletLoss(margin: 3), extra = NonDuplicateLoss(margin: 3, weight: 0.5)
        func parts(_ units: [Float]) -> [[Float]] {
            [Array(units[0..<(n * d)]), Array(units[(n * d)..<(2 * n * d)]),
             Array(units[(2 * n * d)..<((2 * n + m) * d)]), Array(units[((2 * n + m) * d)...])]
        }
        let loss = { (w: EncoderWeights) throws -> Float in
            let p = parts(try Encoder(weights: w).encode(sequences))
            return triplet.evaluate(p[0], p[1], dimension: d).loss
                + extra.evaluate(positiveA: p[0], positiveB: p[1], negativeA: p[2], negativeB: p[3], dimension: d).loss
        }
        let p = parts(try Encoder(weights: weights).encode(sequences))
        let t = triplet.evaluate(p[0], p[1], dimension: d)
        let e = extra.evaluate(positiveA: p[0], positiveB: p[1], negativeA: p[2], negativeB: p[3], dimension: d)
        let unitGradient = zip(t.gradientA, e.gradientPositiveA).map(+) + zip(t.gradientB, e.gradientPositiveB).map(+)
            + e.gradientNegativeA + e.gradientNegativeB
        let gradient = try GradientTests().analytic(weights, sequences, unitGradient: unitGradient)
        try GradientTests().checkTensor(keyPath, weights: weights, analytic: gradient, loss: loss)
    }
}
