import Foundation
import SiameseNet
import Testing
@testable import QuestionIndex

@Suite struct EmbeddingMatrixTests {
    /// Checks that `hits` is a correct top-k of `matrix` for `query`, against scores computed one by one:
    /// right length, sorted best first with ties by id, scores right, and nothing left out that beats the last hit.
    private func expectValidTopK(_ hits: [SearchHit], matrix: EmbeddingMatrix, query: [Float], k: Int,
                                 tolerance: Float = 1e-5) {
        let d = matrix.dimension
        var bruteForce: [Int64: Float] = [:]
        for (row, id) in matrix.ids.enumerated() {
            var dot: Float = 0
            for j in 0..<d { dot += matrix.vectors[row * d + j] * query[j] }
            bruteForce[id] = dot
        }
        #expect(hits.count == min(k, matrix.count))
        #expect(Set(hits.map(\.questionID)).count == hits.count)
        for (a, b) in zip(hits, hits.dropFirst()) {
            #expect(a.score > b.score || (a.score == b.score && a.questionID < b.questionID))
        }
        for hit in hits {
            #expect(abs(hit.score - (bruteForce[hit.questionID] ?? .nan)) <= tolerance)
        }
        guard let last = hits.last else { return }
        let kept = Set(hits.map(\.questionID))
        for (id, score) in bruteForce where !kept.contains(id) {
            #expect(score <= last.score + tolerance)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func searchMatchesBruteForceOnRandomUnitVectors(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for (count, dimension) in [(1, 3), (7, 1), (100, 16), (1000, 32)] {
            // Ids not in row order, to exercise the id mapping.
            var ids = (0..<Int64(count)).map { $0 * 3 + 10 }
            random.shuffle(&ids)
            let matrix = EmbeddingMatrix(dimension: dimension, ids: ids,
                                         vectors: randomUnitVectors(count: count, dimension: dimension, using: &random))
            let queries = randomUnitVectors(count: 3, dimension: dimension, using: &random)
            for k in [1, 5, count, count + 3] {
                var single: [[SearchHit]] = []
                for q in 0..<3 {
                    let query = Array(queries[(q * dimension)..<((q + 1) * dimension)])
                    let hits = matrix.search(query, k: k)
                    expectValidTopK(hits, matrix: matrix, query: query, k: k)
                    single.append(hits)
                }
                for slabRows in [7, 256, 1 << 20] {
                    let batched = matrix.search(queries: queries, k: k, slabRows: slabRows)
                    #expect(batched.count == 3)
                    for q in 0..<3 {
                        let query = Array(queries[(q * dimension)..<((q + 1) * dimension)])
                        expectValidTopK(batched[q], matrix: matrix, query: query, k: k)
                    }
                }
            }
        }
    }

    /// Vectors whose dot products are exact in Float32, so single and batched search must agree bit for bit,
    /// and equal scores are frequent: ties go to the smaller id.
    @Test func exactScoresAndTiesBrokenBySmallerID() {
        let d = 4
        let palette: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5], [0, 0, 0, 1]]
        var random = SeededGenerator(seed: 42)
        let count = 300
        var ids = (1...Int64(count)).map { $0 }
        random.shuffle(&ids)
        let rows = (0..<count).map { _ in palette[Int(random.next() % UInt64(palette.count))] }
        let matrix = EmbeddingMatrix(dimension: d, ids: ids, vectors: rows.flatMap { $0 })
        let queries: [Float] = palette.flatMap { $0 }
        let batched = matrix.search(queries: queries, k: 20, slabRows: 64)
        for (q, query) in palette.enumerated() {
            let hits = matrix.search(query, k: 20)
            // Exact expectation: sort all rows by (score desc, id asc).
            let expected = zip(ids, rows).map { id, row in
                SearchHit(questionID: id, score: zip(row, query).reduce(0) { $0 + $1.0 * $1.1 })
            }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.questionID < $1.questionID }
            #expect(hits == Array(expected.prefix(20)))
            #expect(batched[q] == hits)
        }
    }

    @Test func identicalVectorsComeBackInIDOrder() {
        let matrix = EmbeddingMatrix(dimension: 2, ids: [5, 3, 9, 1], vectors: [0, 1, 0, 1, 0, 1, 0, 1])
        #expect(matrix.search([0, 1], k: 10).map(\.questionID) == [1, 3, 5, 9])
        #expect(matrix.search([0, 1], k: 2).map(\.questionID) == [1, 3])
        #expect(matrix.search(queries: [0, 1, 1, 0], k: 3).map { $0.map(\.questionID) } == [[1, 3, 5], [1, 3, 5]])
    }

    @Test func edgeCases() {
        let empty = EmbeddingMatrix(dimension: 3, ids: [], vectors: [])
        #expect(empty.search([1, 0, 0], k: 5).isEmpty)
        #expect(empty.search(queries: [1, 0, 0, 0, 1, 0], k: 5) == [[], []])
        let one = EmbeddingMatrix(dimension: 3, ids: [7], vectors: [0, 0, 1])
        #expect(one.search([0, 0, 1], k: 0).isEmpty)
        #expect(one.search([0, 0, 1], k: 100) == [SearchHit(questionID: 7, score: 1)])
        #expect(one.search(queries: [], k: 1).isEmpty)
    }
}
