/// A margin loss on labelled non-duplicate pairs: "same topic, different question" must score below a real
/// duplicate pair by the margin.
///
/// The course's triplet loss only sees duplicate pairs, and its negatives are whatever other pairs share
/// the batch — mostly unrelated questions. A FAQ is full of near misses ("How do I reset my password?" /
/// "How do I change my email?"), and a labelled pair file names them. Each non-duplicate pair (a, b) is
/// paired with a duplicate pair (p, q) of the same batch, and adds
/// `weight · max(cos(a, b) − cos(p, q) + α, 0)`.
struct NonDuplicateLoss: Sendable {
    /// α: how far below its paired duplicate a non-duplicate must score.
    var margin: Float
    /// Scale of this term against the triplet loss.
    var weight: Float

    init(margin: Float = 0.25, weight: Float = 1) {
        self.margin = margin
        self.weight = weight
    }

    /// The loss and its gradients.
    struct Evaluation: Sendable {
        var loss: Float
        /// ∂loss/∂(first questions of the non-duplicates), [m, d]
        var gradientNegativeA: [Float]
        /// ∂loss/∂(second questions of the non-duplicates), [m, d]
        var gradientNegativeB: [Float]
        /// ∂loss/∂(first questions of the duplicates), [n, d]
        var gradientPositiveA: [Float]
        /// ∂loss/∂(second questions of the duplicates), [n, d]
        var gradientPositiveB: [Float]
    }

    /// Evaluates the loss on unit vectors: duplicates `positiveA`/`positiveB` ([n, d]) and non-duplicates
    /// `negativeA`/`negativeB` ([m, d]); non-duplicate j is paired with duplicate `j % n`.
    /// - Complexity: O((n + m) · d).
    func evaluate(positiveA: [Float], positiveB: [Float], negativeA: [Float], negativeB: [Float],
                         dimension d: Int) -> Evaluation {
        precondition(positiveA.count == positiveB.count && positiveA.count % d == 0 && !positiveA.isEmpty)
        precondition(negativeA.count == negativeB.count && negativeA.count % d == 0)
        let n = positiveA.count / d, m = negativeA.count / d
        var result = Evaluation(loss: 0, gradientNegativeA: .init(repeating: 0, count: m * d),
                                gradientNegativeB: .init(repeating: 0, count: m * d),
                                gradientPositiveA: .init(repeating: 0, count: n * d),
                                gradientPositiveB: .init(repeating: 0, count: n * d))
        @inline(__always) func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
            var sum: Float = 0
            for k in 0..<d { sum += x[k] * y[k] }
            return sum
        }
        positiveA.withPointer { pa in
            positiveB.withPointer { pb in
                negativeA.withPointer { na in
                    negativeB.withPointer { nb in
                        for j in 0..<m {
                            let i = j % n
                            let negative = dot(na + j * d, nb + j * d), positive = dot(pa + i * d, pb + i * d)
                            let term = negative - positive + margin
                            guard term > 0 else { continue }
                            result.loss += weight * term
                            // ∂cos(x, y)/∂x = y for unit inputs (the encoder backpropagates through the norm).
                            for k in 0..<d {
                                result.gradientNegativeA[j * d + k] += weight * nb[j * d + k]
                                result.gradientNegativeB[j * d + k] += weight * na[j * d + k]
                                result.gradientPositiveA[i * d + k] -= weight * pb[i * d + k]
                                result.gradientPositiveB[i * d + k] -= weight * pa[i * d + k]
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
