import HeapModule

/// The best `k` of a stream of scored rows, kept in a bounded min-heap whose minimum is the worst kept hit.
struct TopK {
    /// Ordered from worse to better: lower score, then (on equal scores) larger id.
    struct Candidate: Comparable {
        let score: Float
        let id: Int64
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score < b.score : a.id > b.id
        }
    }

    let k: Int
    private var heap = Heap<Candidate>()
    /// The score of the worst kept hit once `k` are kept: most rows score below it and are rejected with one
    /// comparison, without touching the heap.
    private var worstScore = -Float.infinity

    init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// Offers `scores[i]` for row `firstRow + i`.
    /// - Complexity: O(n · log k).
    mutating func consider(_ scores: UnsafeBufferPointer<Float>, firstRow: Int, ids: [Int64]) {
        ids.withUnsafeBufferPointer { ids in
            for i in 0..<scores.count { consider(scores[i], id: ids[firstRow + i]) }
        }
    }

    /// Offers one scored row.
    @inline(__always)
    mutating func consider(_ score: Float, id: Int64) {
        // NaN would break the ordering; it ranks below every real score.
        let score = score.isNaN ? -Float.infinity : score
        if heap.count == k && score < worstScore { return }
        let candidate = Candidate(score: score, id: id)
        if heap.count < k {
            heap.insert(candidate)
        } else if let worst = heap.min, worst < candidate {
            heap.replaceMin(with: candidate)
        } else {
            return
        }
        if heap.count == k { worstScore = heap.min?.score ?? -.infinity }
    }

    /// The kept hits, best first.
    var hits: [SearchHit] {
        heap.unordered.sorted(by: >).map { SearchHit(questionID: $0.id, score: $0.score) }
    }
}
