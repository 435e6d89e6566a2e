import Foundation
import SiameseNet
import Testing
@testable import QuestionIndex

@Suite struct DuplicatePairFinderTests {
    /// Every pair of different rows of `matrix` as a scalar double loop scores it (accumulated in Double),
    /// smaller id first, in no particular order.
    private func allPairsByScalarLoop(_ matrix: EmbeddingMatrix) -> [(id1: Int64, id2: Int64, score: Double)] {
        let d = matrix.dimension
        var pairs: [(id1: Int64, id2: Int64, score: Double)] = []
        for i in 0..<matrix.count {
            for j in (i + 1)..<max(i + 1, matrix.count) {
                var dot: Double = 0
                for k in 0..<d { dot += Double(matrix.vectors[i * d + k]) * Double(matrix.vectors[j * d + k]) }
                let (a, b) = (matrix.ids[i], matrix.ids[j])
                pairs.append((min(a, b), max(a, b), dot))
            }
        }
        return pairs
    }

    /// `n` seeded random unit vectors of width `d`, the last `planted` of them noisy copies of earlier rows
    /// (near-duplicates, several copies of some rows), with shuffled, non-contiguous ids.
    private func matrixWithPlantedDuplicates(count n: Int, dimension d: Int, planted: Int,
                                             seed: UInt64) -> EmbeddingMatrix {
        var random = SeededGenerator(seed: seed)
        var vectors = randomUnitVectors(count: n - planted, dimension: d, using: &random)
        for p in 0..<planted {
            let source = Int(random.next() % UInt64(n - planted - 1 + p)) // may copy an earlier copy
            let noise: Float = [0.01, 0.05, 0.2][p % 3]
            var row = (0..<d).map { vectors[source * d + $0] + noise * random.nextGaussian() }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            row = row.map { $0 / norm }
            vectors += row
        }
        var ids = (0..<Int64(n)).map { $0 * 7 + 100 }
        random.shuffle(&ids)
        return EmbeddingMatrix(dimension: d, ids: ids, vectors: vectors)
    }

    /// Checks `found` against the scalar loop: sorted (score descending, then id1, id2), each pair once with
    /// id1 < id2, scores within `tolerance`, and exactly the pairs scoring ≥ threshold except that pairs within
    /// `tolerance` of the threshold may go either way (gemm and the loop round differently); those are checked
    /// separately by `pairAtTheThresholdIsIncluded`.
    private func expectMatchesScalarLoop(_ found: [ScoredPair], matrix: EmbeddingMatrix, threshold: Float,
                                         tolerance: Double = 1e-5) {
        for (a, b) in zip(found, found.dropFirst()) {
            #expect(ScoredPair.precedes(a, b), "\(a) listed before \(b)")
        }
        #expect(found.allSatisfy { $0.id1 < $0.id2 })
        #expect(Set(found.map { [$0.id1, $0.id2] }).count == found.count)
        var scalar: [[Int64]: Double] = [:]
        for pair in allPairsByScalarLoop(matrix) { scalar[[pair.id1, pair.id2]] = pair.score }
        for pair in found {
            guard let expected = scalar[[pair.id1, pair.id2]] else {
                Issue.record("\(pair) is not a pair of rows")
                continue
            }
            #expect(abs(Double(pair.score) - expected) <= tolerance)
        }
        let t = Double(threshold)
        let clearlyIn = Set(scalar.filter { $0.value >= t + tolerance }.keys)
        let possiblyIn = Set(scalar.filter { $0.value >= t - tolerance }.keys)
        let foundKeys = Set(found.map { [$0.id1, $0.id2] })
        #expect(clearlyIn.isSubset(of: foundKeys), "\(clearlyIn.subtracting(foundKeys).count) pairs missed")
        #expect(foundKeys.isSubset(of: possiblyIn), "\(foundKeys.subtracting(possiblyIn).count) pairs too many")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func matchesScalarLoopOnPlantedNearDuplicates(seed: UInt64) {
        // 700 rows in blocks of 128: five full blocks and a ragged one of 60.
        let matrix = matrixWithPlantedDuplicates(count: 700, dimension: 16, planted: 60, seed: seed)
        for threshold: Float in [0.999, 0.99, 0.95, 0.8, 0.5] {
            let found = DuplicatePairFinder(threshold: threshold, blockRows: 128).pairs(in: matrix)
            expectMatchesScalarLoop(found, matrix: matrix, threshold: threshold)
            if threshold == 0.95 { #expect(found.count >= 20, "the planted near-duplicates are found") }
        }
    }

    @Test func blockSizeDoesNotChangeTheAnswer() {
        let matrix = matrixWithPlantedDuplicates(count: 300, dimension: 16, planted: 40, seed: 9)
        let threshold: Float = 0.6
        let reference = DuplicatePairFinder(threshold: threshold, blockRows: 1024).pairs(in: matrix)
        expectMatchesScalarLoop(reference, matrix: matrix, threshold: threshold)
        for blockRows in [1, 7, 128, 299, 300, 301] {
            let found = DuplicatePairFinder(threshold: threshold, blockRows: blockRows).pairs(in: matrix)
            expectMatchesScalarLoop(found, matrix: matrix, threshold: threshold)
            // Up to last-bit differences between gemm shapes: same pairs, same scores.
            let byKey = Dictionary(uniqueKeysWithValues: found.map { ([$0.id1, $0.id2], $0.score) })
            let nearThreshold = { (score: Float) in abs(score - threshold) <= 1e-5 }
            for pair in reference where !nearThreshold(pair.score) {
                guard let score = byKey[[pair.id1, pair.id2]] else {
                    Issue.record("blockRows \(blockRows) misses \(pair)")
                    continue
                }
                #expect(abs(score - pair.score) <= 1e-6)
            }
            #expect(abs(found.count - reference.count) <= reference.filter { nearThreshold($0.score) }.count
                        + found.filter { nearThreshold($0.score) }.count)
        }
    }

    /// Vectors whose dot products are exact in Float32 whatever the summation order, so the scalar loop and every
    /// block size must agree bit for bit, and equal scores are frequent: ties go by id1, then id2.
    @Test func exactScoresMatchScalarLoopExactlyWithTiesByID() {
        let d = 4
        let palette: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5],
                                  [0, 0, 0, 1], [-1, 0, 0, 0]]
        var random = SeededGenerator(seed: 42)
        let count = 150
        var ids = (1...Int64(count)).map { $0 * 2 }
        random.shuffle(&ids)
        let rows = (0..<count).map { _ in palette[Int(random.next() % UInt64(palette.count))] }
        let matrix = EmbeddingMatrix(dimension: d, ids: ids, vectors: rows.flatMap { $0 })
        for threshold: Float in [1, 0.5, 0, -0.5, -1] {
            let expected = allPairsByScalarLoop(matrix)
                .filter { Float($0.score) >= threshold }
                .map { ScoredPair(id1: $0.id1, id2: $0.id2, score: Float($0.score)) }
                .sorted(by: ScoredPair.precedes)
            // The scores 1, 0.5, 0, -0.5 and -1 all occur, so each threshold is met exactly by some pairs.
            #expect(expected.contains { $0.score == threshold })
            for blockRows in [1, 16, 149, 150, 1024] {
                let found = DuplicatePairFinder(threshold: threshold, blockRows: blockRows).pairs(in: matrix)
                #expect(found == expected, "threshold \(threshold), blockRows \(blockRows)")
            }
        }
        // At threshold -1 that is every pair.
        #expect(DuplicatePairFinder(threshold: -1, blockRows: 16).pairs(in: matrix).count == count * (count - 1) / 2)
    }

    @Test func pairAtTheThresholdIsIncluded() {
        let matrix = matrixWithPlantedDuplicates(count: 400, dimension: 16, planted: 30, seed: 5)
        let low = DuplicatePairFinder(threshold: 0.9, blockRows: 128).pairs(in: matrix)
        #expect(low.count >= 3)
        for pair in low.prefix(3) + low.suffix(3) {
            // The same gemm computes the same score, so a threshold equal to a pair's score keeps that pair,
            // and the pairs with the next higher score, and none lower.
            let found = DuplicatePairFinder(threshold: pair.score, blockRows: 128).pairs(in: matrix)
            #expect(found.contains(pair))
            #expect(found == low.filter { $0.score >= pair.score })
            let above = DuplicatePairFinder(threshold: pair.score.nextUp, blockRows: 128).pairs(in: matrix)
            #expect(!above.contains(pair))
        }
    }

    @Test func idsAreOrderedWithinEachPairWhateverTheRowOrder() {
        // Rows 0 and 1 are equal, and so are rows 2 and 3; the larger id comes first in row order.
        let matrix = EmbeddingMatrix(dimension: 2, ids: [50, 10, 7, 30], vectors: [1, 0, 1, 0, 0, 1, 0, 1])
        for blockRows in [1, 2, 3, 4] {
            let found = DuplicatePairFinder(threshold: 0.5, blockRows: blockRows).pairs(in: matrix)
            #expect(found == [ScoredPair(id1: 7, id2: 30, score: 1), ScoredPair(id1: 10, id2: 50, score: 1)])
        }
    }

    @Test func emptyAndOneRowMatricesHaveNoPairs() {
        var calls = 0
        let finder = DuplicatePairFinder(threshold: -1, blockRows: 4)
        let empty = EmbeddingMatrix(dimension: 3, ids: [], vectors: [])
        #expect(finder.pairs(in: empty) { _, _ in calls += 1 }.isEmpty)
        #expect(calls == 0)
        let one = EmbeddingMatrix(dimension: 3, ids: [7], vectors: [0, 0, 1])
        #expect(finder.pairs(in: one) { _, _ in calls += 1 }.isEmpty)
        #expect(calls == 1)
        #expect(DuplicatePairFinder(threshold: -1).pairs(in: one).isEmpty)
    }

    @Test func progressCountsEveryUpperTriangleBlockOnceARow() {
        var random = SeededGenerator(seed: 3)
        let matrix = EmbeddingMatrix(dimension: 8, ids: (0..<Int64(10)).map { $0 },
                                     vectors: randomUnitVectors(count: 10, dimension: 8, using: &random))
        for (blockRows, blockCount) in [(1, 10), (3, 4), (5, 2), (10, 1), (64, 1)] {
            var reports: [[Int]] = []
            _ = DuplicatePairFinder(threshold: 0.5, blockRows: blockRows).pairs(in: matrix) { done, total in
                reports.append([done, total])
            }
            // One report per row of blocks I, counting the blocks I…last it covered.
            let total = blockCount * (blockCount + 1) / 2
            let expected = (0..<blockCount).map { row in
                [(0...row).reduce(0) { $0 + blockCount - $1 }, total]
            }
            #expect(reports == expected, "blockRows \(blockRows)")
        }
    }

    @Test func nonFiniteThresholdIsRejected() async {
        await #expect(processExitsWith: .failure) { _ = DuplicatePairFinder(threshold: .nan) }
        await #expect(processExitsWith: .failure) { _ = DuplicatePairFinder(threshold: .infinity) }
        await #expect(processExitsWith: .failure) { _ = DuplicatePairFinder(threshold: 0.5, blockRows: 0) }
    }
}
