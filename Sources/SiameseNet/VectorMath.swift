/// Small vector operations on row-major Float32 matrices, shared by the loss, the index and the tests.
public enum VectorMath {
    /// Dot product of two equal-length vectors.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot: lengths \(a.count) and \(b.count) differ")
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    /// Cosine similarity of two vectors, in [-1, 1]; 0 when either is the zero vector.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        let denominator = (dot(a, a) * dot(b, b)).squareRoot()
        return denominator > 0 ? dot(a, b) / denominator : 0
    }

    /// Each row of `matrix` ([rows, dimension]) divided by its L2 norm; zero rows stay zero.
    public static func l2Normalized(_ matrix: [Float], dimension: Int) -> [Float] {
        precondition(dimension > 0 && matrix.count % dimension == 0)
        var result = matrix
        for start in stride(from: 0, to: result.count, by: dimension) {
            var sumSquares: Float = 0
            for k in start..<(start + dimension) { sumSquares += result[k] * result[k] }
            guard sumSquares > 0 else { continue }
            let inverseNorm = 1 / sumSquares.squareRoot()
            for k in start..<(start + dimension) { result[k] *= inverseNorm }
        }
        return result
    }

    /// S = A·Bᵀ for A [m, d] and B [n, d]: all pairwise dot products, [m, n].
    public static func similarityMatrix(_ a: [Float], _ b: [Float], dimension: Int) -> [Float] {
        precondition(dimension > 0 && a.count % dimension == 0 && b.count % dimension == 0)
        let m = a.count / dimension, n = b.count / dimension
        guard m > 0, n > 0 else { return [] }
        var s = [Float](repeating: 0, count: m * n)
        a.withPointer { pa in
            b.withPointer { pb in
                s.withMutablePointer { ps in
                    BLAS.gemm(transposeB: true, m: m, n: n, k: dimension, pa, pb, ps)
                }
            }
        }
        return s
    }
}
