import SiameseNet

/// A group of stored questions that ask the same thing, as `Deduplication` found it; or, in an index, one stored
/// question that several input rows name (an exact duplicate: one member, lowest similarity 1).
public struct DuplicateCluster: Sendable, Equatable {
    /// One question of a cluster.
    public struct Member: Sendable, Equatable {
        /// The stored question's row id.
        public var questionID: Int64
        /// Cosine similarity to the cluster's representative (about 1 for the representative itself).
        public var similarity: Float
        /// Mean cosine similarity to the other members.
        public var meanSimilarity: Float
    }

    /// The representative first (the member with the highest mean similarity to the others; ties: smaller
    /// id), then the others by decreasing similarity to it (ties: smaller id).
    public var members: [Member]
    /// The lowest cosine similarity between two members: how tight the cluster is.
    public var lowestSimilarity: Float

    /// The cluster of one stored question that several rows name.
    static func exactDuplicate(_ questionID: Int64) -> DuplicateCluster {
        DuplicateCluster(members: [Member(questionID: questionID, similarity: 1, meanSimilarity: 1)], lowestSimilarity: 1)
    }

    /// The member that stands for the cluster.
    public var representative: Member { members[0] }
    /// The number of members.
    public var count: Int { members.count }

    init(members: [Member], lowestSimilarity: Float) {
        precondition(!members.isEmpty, "a cluster has members")
        self.members = members
        self.lowestSimilarity = lowestSimilarity
    }

    /// The order clusters are reported in: larger first, then tighter (higher lowest similarity), then by
    /// representative id.
    static func precedes(_ a: DuplicateCluster, _ b: DuplicateCluster) -> Bool {
        if a.count != b.count { return a.count > b.count }
        if a.lowestSimilarity != b.lowestSimilarity { return a.lowestSimilarity > b.lowestSimilarity }
        return a.representative.questionID < b.representative.questionID
    }
}

extension DuplicateCluster {
    /// The cluster of `rows` of `matrix`: representative, similarities and lowest internal similarity, computed
    /// from the vectors (mean similarities through the members' vector sum; the lowest similarity by blocks of
    /// rows against all members, never an m×m matrix).
    /// - Complexity: O(m² · d) for m members.
    init(rows: [Int], of matrix: EmbeddingMatrix) {
        let d = matrix.dimension, m = rows.count
        let vectors = matrix.vectors
        var memberVectors = [Float](repeating: 0, count: m * d)  // [m, d]
        for (position, row) in rows.enumerated() {
            memberVectors.replaceSubrange((position * d)..<((position + 1) * d), with: vectors[(row * d)..<((row + 1) * d)])
        }
        var sum = [Float](repeating: 0, count: d)
        for position in 0..<m { for i in 0..<d { sum[i] += memberVectors[position * d + i] } }
        func dot(_ x: Int, _ y: [Float]) -> Float {
            var total: Float = 0
            for i in 0..<d { total += memberVectors[x * d + i] * y[i] }
            return total
        }
        func dot(_ x: Int, _ y: Int) -> Float {
            var total: Float = 0
            for i in 0..<d { total += memberVectors[x * d + i] * memberVectors[y * d + i] }
            return total
        }
        let means = (0..<m).map { (dot($0, sum) - dot($0, $0)) / Float(m - 1) }
        let ids = rows.map { matrix.ids[$0] }
        let best = (0..<m).max { means[$0] != means[$1] ? means[$0] < means[$1] : ids[$0] > ids[$1] } ?? 0
        let representative = Array(memberVectors[(best * d)..<((best + 1) * d)])
        var members = (0..<m).map { Member(questionID: ids[$0], similarity: dot($0, representative), meanSimilarity: means[$0]) }
        let first = members.remove(at: best)
        members.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.questionID < $1.questionID }
        self.init(members: [first] + members,
                  lowestSimilarity: Self.lowestSimilarity(memberVectors, count: m, dimension: d))
    }

    /// The minimum dot product over pairs of different rows of `vectors` ([count, d]), by blocks of rows.
    private static func lowestSimilarity(_ vectors: [Float], count: Int, dimension: Int) -> Float {
        let blockRows = 256
        var lowest = Float.infinity
        var scores = [Float](repeating: 0, count: min(blockRows, count) * count)
        vectors.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { s in
                guard let a = v.baseAddress, let out = s.baseAddress else { return }
                for start in stride(from: 0, to: count, by: blockRows) {
                    let rows = min(blockRows, count - start)
                    // out[rows, count] = block[rows, d] · all[count, d]ᵀ
                    BLAS.gemm(transposeB: true, m: rows, n: count, k: dimension, a + start * dimension, a, out)
                    for r in 0..<rows {
                        // Only j > i: each pair once, never a row with itself.
                        for c in (start + r + 1)..<max(start + r + 1, count) where out[r * count + c] < lowest {
                            lowest = out[r * count + c]
                        }
                    }
                }
            }
        }
        return lowest
    }
}
