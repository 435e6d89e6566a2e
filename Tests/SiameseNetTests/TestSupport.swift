@testable import SiameseNet

/// Random token sequences of the given lengths over ids 1..<vocabularySize.
func randomSequences(lengths: [Int], vocabularySize: Int, seed: UInt64) -> [[Int32]] {
    var random = SeededGenerator(seed: seed)
    return lengths.map { length in
        (0..<length).map { _ in Int32(1 + Int(random.next() % UInt64(vocabularySize - 1))) }
    }
}

/// Random [count] vector with entries in [-1, 1).
func randomVector(count: Int, seed: UInt64) -> [Float] {
    var random = SeededGenerator(seed: seed)
    return (0..<count).map { _ in random.nextFloat(in: -1..<1) }
}

/// A straightforward padded LSTM encoder, written independently of the packed one: every sequence runs
/// for the longest length, and a mask keeps padding out of the state and the mean.
func paddedReferenceEncode(_ weights: EncoderWeights, _ sequences: [[Int32]]) -> [Float] {
    let d = weights.dimension
    return paddedReferenceEncode(weights, inputs: sequences.map { sequence in
        sequence.map { token in (0..<d).map { Double(weights.embedding[Int(token) * d + $0]) } }
    })
}

/// The padded reference for questions with sub-words: each token's input vector computed in Double from its
/// definition (word row and sub-word rows averaged; an `<UNK>` with sub-words averages those alone).
func paddedReferenceEncode(_ weights: EncoderWeights, _ questions: [TokenizedQuestion]) -> [Float] {
    let d = weights.dimension
    return paddedReferenceEncode(weights, inputs: questions.map { question in
        (0..<question.count).map { t in
            let word = Int(question.words[t]), subwords = question.subwords[question.subwordRange(of: t)]
            var rows: [[Double]] = subwords.map { g in (0..<d).map { Double(weights.subwordEmbedding[Int(g) * d + $0]) } }
            if subwords.isEmpty || word != Int(Vocabulary.unknownID) {
                rows.append((0..<d).map { Double(weights.embedding[word * d + $0]) })
            }
            return (0..<d).map { k in rows.reduce(0) { $0 + $1[k] } / Double(rows.count) }
        }
    })
}

/// The padded LSTM over given input vectors ([question][token][d]); with two directions the second runs over
/// each question reversed and the two means are put side by side.
func paddedReferenceEncode(_ weights: EncoderWeights, inputs sequences: [[[Double]]]) -> [Float] {
    let d = weights.dimension, h = weights.hiddenSize
    let steps = sequences.map(\.count).max() ?? 0
    /// Sum of one direction's hidden states over the real tokens of `sequence`, padded to `steps`.
    func direction(_ sequence: [[Double]], _ wx: [Float], _ wh: [Float], _ bias: [Float]) -> [Double] {
        var hidden = [Double](repeating: 0, count: h), c = hidden, sum = hidden
        for t in 0..<steps {
            guard t < sequence.count else { continue }  // masked: state and mean unchanged
            let x = sequence[t]
            var z = [Double](repeating: 0, count: 4 * h)
            for j in 0..<(4 * h) {
                var value = Double(bias[j])
                for k in 0..<d { value += x[k] * Double(wx[k * 4 * h + j]) }
                for k in 0..<h { value += hidden[k] * Double(wh[k * 4 * h + j]) }
                z[j] = value
            }
            for k in 0..<h {
                let s = { (x: Double) in 1 / (1 + (-x).exp) }
                let i = s(z[k]), f = s(z[h + k]), g = z[2 * h + k].tanhValue, o = s(z[3 * h + k])
                c[k] = f * c[k] + i * g
                hidden[k] = o * c[k].tanhValue
                sum[k] += hidden[k]
            }
        }
        return sum
    }
    var result: [Float] = []
    for sequence in sequences {
        var sum = direction(sequence, weights.inputWeights, weights.recurrentWeights, weights.bias)
        if weights.bidirectional {
            sum += direction(sequence.reversed(), weights.reverseInputWeights, weights.reverseRecurrentWeights,
                             weights.reverseBias)
        }
        let mean = sum.map { $0 / Double(sequence.count) }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        result += mean.map { Float($0 / norm) }
    }
    return result
}

import Foundation

extension Double {
    var exp: Double { Foundation.exp(self) }
    var tanhValue: Double { Foundation.tanh(self) }
}
