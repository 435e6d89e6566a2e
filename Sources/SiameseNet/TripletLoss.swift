/// The course's triplet loss with mean and hard negatives, over a batch of duplicate pairs.
///
/// For unit vectors A (first questions) and B (their duplicates), S = A·Bᵀ; row i has positive S[i,i],
/// `meanNegative[i]` = mean of its off-diagonal entries and `closestNegative[i]` = its largest
/// off-diagonal entry. The loss is Σᵢ max(meanNegative − positive + α, 0) + max(closestNegative − positive + α, 0).
///
/// Note: the course's graded version takes as closest negative the largest entry *below* the positive;
/// we take the largest off-diagonal entry, as the notebook's formula states (they agree whenever the
/// positive is the row's largest entry, as in the notebook's example).
public struct TripletLoss: Sendable {
    /// α, the margin by which a positive must beat the negatives.
    public var margin: Float

    public init(margin: Float = 0.25) { self.margin = margin }

    /// The loss, its parts, and its gradient with respect to A and B.
    public struct Evaluation: Sendable {
        public var loss: Float
        /// [n, n]
        public var similarities: [Float]
        /// [n]
        public var positives: [Float]
        /// [n]
        public var meanNegatives: [Float]
        /// [n]
        public var closestNegatives: [Float]
        /// ∂loss/∂A, [n, d]
        public var gradientA: [Float]
        /// ∂loss/∂B, [n, d]
        public var gradientB: [Float]
    }

    /// Evaluates the loss on `a` and `b`, both [n, dimension] with n ≥ 2 (a row needs a negative).
    /// - Complexity: O(n²·d), two GEMMs and one pass over S.
    public func evaluate(_ a: [Float], _ b: [Float], dimension d: Int) -> Evaluation {
        precondition(a.count == b.count && a.count % d == 0, "A and B must both be [n, d]")
        let n = a.count / d
        precondition(n >= 2, "the triplet loss needs at least 2 pairs")
        let s = VectorMath.similarityMatrix(a, b, dimension: d)
        var loss: Float = 0
        var positives = [Float](repeating: 0, count: n)
        var meanNegatives = positives, closestNegatives = positives
        var ds = [Float](repeating: 0, count: n * n)  // ∂loss/∂S
        for i in 0..<n {
            let positive = s[i * n + i]
            var sum: Float = 0, closest = -Float.infinity, closestIndex = 0
            for j in 0..<n where j != i {
                let value = s[i * n + j]
                sum += value
                if value > closest { closest = value; closestIndex = j }
            }
            let meanNegative = sum / Float(n - 1)
            positives[i] = positive; meanNegatives[i] = meanNegative; closestNegatives[i] = closest
            let meanTerm = meanNegative - positive + margin
            if meanTerm > 0 {
                loss += meanTerm
                ds[i * n + i] -= 1
                for j in 0..<n where j != i { ds[i * n + j] += 1 / Float(n - 1) }
            }
            let closestTerm = closest - positive + margin
            if closestTerm > 0 {
                loss += closestTerm
                ds[i * n + i] -= 1
                ds[i * n + closestIndex] += 1
            }
        }
        // S = A·Bᵀ ⇒ ∂A = ∂S·B, ∂B = ∂Sᵀ·A.
        var gradientA = [Float](repeating: 0, count: n * d), gradientB = gradientA
        ds.withUnsafeBufferPointer { pds in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    gradientA.withUnsafeMutableBufferPointer { ga in
                        BLAS.gemm(m: n, n: d, k: n, pds.baseAddress!, pb.baseAddress!, ga.baseAddress!)
                    }
                    gradientB.withUnsafeMutableBufferPointer { gb in
                        BLAS.gemm(transposeA: true, m: n, n: d, k: n, pds.baseAddress!, pa.baseAddress!, gb.baseAddress!)
                    }
                }
            }
        }
        return Evaluation(loss: loss, similarities: s, positives: positives, meanNegatives: meanNegatives,
                          closestNegatives: closestNegatives, gradientA: gradientA, gradientB: gradientB)
    }
}
