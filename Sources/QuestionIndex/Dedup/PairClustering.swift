import HeapModule

/// Groups the rows of an `EmbeddingMatrix` into clusters from the pairs scoring at least a threshold, by one
/// `ClusteringRule`. Rows are matrix row indices; a row in no cluster of two or more is left out.
struct PairClustering {
    /// A pair of rows, `a < b`, with their cosine.
    struct RowPair {
        let a: Int
        let b: Int
        let score: Float
    }

    let matrix: EmbeddingMatrix
    /// The dedup threshold.
    let threshold: Float
    /// The pairs ≥ `threshold`: every pair of rows scoring at least it must be present (average link relies on
    /// it), and no other.
    let pairs: [RowPair]

    /// The `pairs` scoring at least `threshold` as pairs of `matrix` rows (`a < b`); a pair naming an id the matrix
    /// lacks is left out.
    static func rowPairs(_ pairs: [ScoredPair], in matrix: EmbeddingMatrix, atLeast threshold: Float) -> [RowPair] {
        var rowOf: [Int64: Int] = [:]
        rowOf.reserveCapacity(matrix.count)
        for (row, id) in matrix.ids.enumerated() { rowOf[id] = row }
        return pairs.compactMap { pair in
            guard pair.score >= threshold, let a = rowOf[pair.id1], let b = rowOf[pair.id2] else { return nil }
            return RowPair(a: min(a, b), b: max(a, b), score: pair.score)
        }
    }

    /// The clusters of two or more rows, each sorted by row, in no particular order.
    func clusters(rule: ClusteringRule) -> [[Int]] {
        switch rule {
        case .singleLink: return components()
        case .community: return communities()
        case .averageLink: return averageLink()
        }
    }

    /// Connected components of the pair graph.
    private func components() -> [[Int]] {
        var sets = RowUnionFind(count: matrix.count)
        for pair in pairs { sets.join(pair.a, pair.b) }
        return sets.groups()
    }

    /// sentence-transformers' `community_detection` with a minimum community size of 2, on the pair graph:
    /// the proposal of row i is i and its neighbours; proposals are taken largest first (ties: smaller row
    /// first, as Python's stable sort of proposals made in row order), each without the rows already taken,
    /// and kept when at least two rows remain.
    private func communities() -> [[Int]] {
        let neighbours = adjacency()
        let sizes = neighbours.map(\.count)
        let proposers = (0..<matrix.count).filter { sizes[$0] > 0 }.sorted { (x: Int, y: Int) -> Bool in
            sizes[x] != sizes[y] ? sizes[x] > sizes[y] : x < y
        }
        var taken = [Bool](repeating: false, count: matrix.count)
        var result: [[Int]] = []
        for row in proposers {
            let community = ([row] + neighbours[row]).filter { !taken[$0] }
            guard community.count >= 2 else { continue }
            for member in community { taken[member] = true }
            result.append(community.sorted())
        }
        return result
    }

    /// UPGMA cut at the threshold. Exact without the full similarity matrix: the mean cross similarity of two
    /// clusters is the dot product of their vector sums over |A|·|B|, and two clusters whose mean is at least
    /// the threshold have at least one cross pair at least the threshold, so only clusters joined by a pair can
    /// merge. The best candidate merge is taken first (a heap with stale entries skipped).
    private func averageLink() -> [[Int]] {
        var sets = RowUnionFind(count: matrix.count)
        for merge in averageLinkMerges() { sets.join(merge.a, merge.b) }
        return sets.groups()
    }

    /// The merges of UPGMA down to the threshold, in the order made, each with the mean similarity at which its
    /// two clusters joined (rows standing for them). Average link never merges above an earlier merge's score
    /// (the mean with a union is a weighted mean of the means with its parts), so the clustering at any higher
    /// threshold t is the prefix of merges scoring ≥ t: one run serves a whole sweep of thresholds.
    func averageLinkMerges() -> [RowPair] {
        let d = matrix.dimension
        guard !pairs.isEmpty else { return [] }
        var merges: [RowPair] = []
        var neighbours = adjacency().map { Set($0) }
        // Cluster c lives in slot c (its first row); merged-away slots are dead.
        var sums: [[Float]] = [], sizes: [Int] = []
        var version = [Int](repeating: 0, count: matrix.count)
        var alive = [Bool](repeating: true, count: matrix.count)
        for row in 0..<matrix.count {
            sums.append(neighbours[row].isEmpty ? [] : Array(matrix.vectors[(row * d)..<((row + 1) * d)]))
            sizes.append(1)
        }
        var heap = Heap<Candidate>(pairs.map { Candidate(score: $0.score, a: $0.a, b: $0.b, versionA: 0, versionB: 0) })
        func mean(_ a: Int, _ b: Int) -> Float {
            var dot: Float = 0
            sums[a].withUnsafeBufferPointer { x in
                sums[b].withUnsafeBufferPointer { y in
                    for i in 0..<d { dot += x[i] * y[i] }
                }
            }
            return dot / Float(sizes[a] * sizes[b])
        }
        while let best = heap.popMax() {
            guard best.score >= threshold else { break }
            let (a, b) = (best.a, best.b)
            guard alive[a], alive[b], version[a] == best.versionA, version[b] == best.versionB else { continue }
            // Merge b into a.
            merges.append(RowPair(a: a, b: b, score: best.score))
            for i in 0..<d { sums[a][i] += sums[b][i] }
            sizes[a] += sizes[b]
            sums[b] = []
            alive[b] = false
            version[a] += 1
            var joined = neighbours[a].union(neighbours[b])
            joined.remove(a)
            joined.remove(b)
            neighbours[a] = joined
            neighbours[b] = []
            for other in joined {
                neighbours[other].remove(b)
                neighbours[other].insert(a)
                let score = mean(a, other)
                if score >= threshold {
                    let (low, high) = (min(a, other), max(a, other))
                    heap.insert(Candidate(score: score, a: low, b: high, versionA: version[low], versionB: version[high]))
                }
            }
        }
        return merges
    }

    /// Each row's neighbours in the pair graph, in increasing row order.
    private func adjacency() -> [[Int]] {
        var neighbours = [[Int]](repeating: [], count: matrix.count)
        for pair in pairs {
            neighbours[pair.a].append(pair.b)
            neighbours[pair.b].append(pair.a)
        }
        return neighbours.map { $0.sorted() }
    }

    /// A candidate merge; the heap's maximum is the highest score, ties by smaller rows.
    private struct Candidate: Comparable {
        let score: Float
        let a: Int
        let b: Int
        let versionA: Int
        let versionB: Int

        static func < (x: Candidate, y: Candidate) -> Bool {
            if x.score != y.score { return x.score < y.score }
            if x.a != y.a { return x.a > y.a }
            return x.b > y.b
        }

        static func == (x: Candidate, y: Candidate) -> Bool {
            x.score == y.score && x.a == y.a && x.b == y.b
        }
    }
}

/// Union–find over rows 0..<count, with path halving; the root of a set is its smallest row.
struct RowUnionFind {
    private var parent: [Int]

    init(count: Int) {
        parent = Array(0..<count)
    }

    mutating func root(_ row: Int) -> Int {
        var node = row
        while parent[node] != node {
            parent[node] = parent[parent[node]]
            node = parent[node]
        }
        return node
    }

    mutating func join(_ a: Int, _ b: Int) {
        let rootA = root(a), rootB = root(b)
        if rootA != rootB { parent[max(rootA, rootB)] = min(rootA, rootB) }
    }

    /// The sets of two or more rows, each sorted, ordered by their smallest row.
    mutating func groups() -> [[Int]] {
        var byRoot: [Int: [Int]] = [:]
        for row in 0..<parent.count { byRoot[root(row), default: []].append(row) }
        return byRoot.values.filter { $0.count >= 2 }.sorted { $0[0] < $1[0] }
    }
}
