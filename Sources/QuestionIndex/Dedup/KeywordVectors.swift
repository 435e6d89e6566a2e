import Foundation
import SiameseNet

/// The word weights of a dedup score's keyword term: each word's inverse document frequency among the texts the
/// model's vocabulary was counted over, idf(w) = ln((N + 1) / (count(w) + 0.5)), a word the model never saw
/// counting 0 (the rarest: the encoder knows it only by its n-grams, so its spelling carries most).
///
/// The weights are the model's, not the collection's: a threshold calibrated on some questions then means the
/// same on others. Weighted by the questions deduplicated themselves, the calibration on held-out questions did
/// not carry over to dev (docs/design.md, "Deduplication").
public struct KeywordReference: Sendable {
    /// The number of question texts `counts` were taken over (N).
    public let textCount: Int
    private let counts: [Substring: Int]

    /// The weights of `vocabulary`'s training counts, taken over `textCount` question texts.
    public init(vocabulary: Vocabulary, textCount: Int) {
        precondition(textCount >= 1, "the vocabulary was counted over at least one text")
        var counts: [Substring: Int] = [:]
        counts.reserveCapacity(vocabulary.count)
        for (token, count) in zip(vocabulary.tokens, vocabulary.counts).dropFirst(2) { counts[Substring(token)] = count }
        self.counts = counts
        self.textCount = textCount
    }

    /// The weight of `word` (≥ 0).
    func idf(_ word: Substring) -> Double {
        max(0, log((Double(textCount) + 1) / (Double(counts[word] ?? 0) + 0.5)))
    }
}

/// TF-IDF vectors of questions, for the keyword term of a dedup score.
///
/// The encoder misses what separates two questions that differ in one rare word ("learn Python" and "learn
/// Java" embed alike when one of the words is rare in training); the words themselves carry it. A question's
/// vector has, for each of its distinct words w, (1 + ln tf(w)) · idf(w) (`KeywordReference`), scaled to unit
/// length. Words are those of the normalized text (`Tokenizer().normalized`: lowercase, split at every
/// non-letter, non-digit). The cosine of two such vectors is in [0, 1].
public struct KeywordVectors: Sendable {
    /// Per question, its word ids in increasing order and their weights (unit length), flattened.
    private let offsets: [Int]
    private let terms: [Int32]
    private let weights: [Float]

    /// The vectors of `normalized` texts (one per question, in row order), weighted by `reference`.
    public init(normalized texts: [String], reference: KeywordReference) {
        var termOf: [Substring: Int32] = [:]
        var idf: [Double] = []
        var counts: [[(term: Int32, count: Int)]] = []
        counts.reserveCapacity(texts.count)
        for text in texts {
            var local: [Int32: Int] = [:]
            for word in text.split(separator: " ", omittingEmptySubsequences: true) {
                let term: Int32
                if let known = termOf[word] {
                    term = known
                } else {
                    term = Int32(idf.count)
                    termOf[word] = term
                    idf.append(reference.idf(word))
                }
                local[term, default: 0] += 1
            }
            counts.append(local.map { (term: $0.key, count: $0.value) }.sorted { $0.term < $1.term })
        }
        var offsets = [0], terms: [Int32] = [], weights: [Float] = []
        offsets.reserveCapacity(texts.count + 1)
        for question in counts {
            let raw = question.map { (1 + log(Double($0.count))) * idf[Int($0.term)] }
            let norm = sqrt(raw.reduce(0) { $0 + $1 * $1 })
            for (entry, value) in zip(question, raw) {
                terms.append(entry.term)
                weights.append(norm > 0 ? Float(value / norm) : 0)
            }
            offsets.append(terms.count)
        }
        self.offsets = offsets
        self.terms = terms
        self.weights = weights
    }

    /// The number of questions.
    public var count: Int { offsets.count - 1 }

    /// The cosine of the keyword vectors of questions `a` and `b` (rows), in [0, 1].
    public func similarity(_ a: Int, _ b: Int) -> Float {
        var i = offsets[a], j = offsets[b]
        let endA = offsets[a + 1], endB = offsets[b + 1]
        var sum: Float = 0
        while i < endA && j < endB {
            if terms[i] == terms[j] {
                sum += weights[i] * weights[j]
                i += 1
                j += 1
            } else if terms[i] < terms[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return min(1, sum)
    }
}

/// How a dedup score weighs the keyword term: score = (1 − w) · cosine + w · keyword cosine (`KeywordVectors`).
///
/// With w = 0 the score is the cosine. As the keyword cosine is at most 1, a pair can reach a threshold t only
/// when its cosine is at least (t − w) / (1 − w): the scan keeps those pairs, and the score keeps those ≥ t.
package struct KeywordWeighting: Sendable, Equatable {
    /// The keyword term's weight w, in [0, `maximumWeight`].
    package let weight: Float
    /// The largest weight: the cosine always keeps most of the score.
    package static let maximumWeight: Float = 0.9

    package init(weight: Float) {
        precondition(weight >= 0 && weight <= Self.maximumWeight, "keyword weight \(weight) outside [0, 0.9]")
        self.weight = weight
    }

    /// The score of a pair of cosine `cosine` and keyword cosine `keyword`.
    @inline(__always)
    package func score(cosine: Float, keyword: Float) -> Float {
        weight == 0 ? cosine : (1 - weight) * cosine + weight * keyword
    }

    /// The lowest cosine from which a pair can score `threshold`: (t − w) / (1 − w), lowered by a margin
    /// for the float roundings of `score`, at least −1.
    package func cosineBound(for threshold: Float) -> Float {
        guard weight > 0 else { return threshold }
        return max(-1, (threshold - weight) / (1 - weight) - 1e-5)
    }
}
