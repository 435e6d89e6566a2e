import Foundation
import SiameseNet
import Testing
@testable import QuestionIndex

/// The exact compact scan (`CompactSearch`) against the fused Float32 scan (`EmbeddingMatrix.search(_:k:)`), and
/// both kernels' paths against a Swift restatement of their defined arithmetic.
@Suite struct CompactSearchTests {
    /// `sk_dot_f32`'s documented order, restated in Swift: 16 lanes over the whole blocks of 16, the lanes
    /// reduced as j += j+8, +4, +2, +1, then the tail one by one. Swift does not contract into FMA.
    private func definedDot(_ x: ArraySlice<Float>, _ q: [Float]) -> Float {
        let x = Array(x), d = q.count, blocks = d / 16 * 16
        var s = [Float](repeating: 0, count: 16)
        for i in stride(from: 0, to: blocks, by: 16) {
            for j in 0..<16 { s[j] = s[j] + x[i + j] * q[i + j] }
        }
        for width in [8, 4, 2, 1] {
            for j in 0..<width { s[j] = s[j] + s[j + width] }
        }
        var r = s[0]
        for i in blocks..<d { r = r + x[i] * q[i] }
        return r
    }

    /// The top k by brute force on the defined dot product: score descending, then id ascending (NaN as -inf).
    private func referenceTopK(_ matrix: EmbeddingMatrix, _ query: [Float], k: Int) -> [SearchHit] {
        let d = matrix.dimension
        let hits = matrix.ids.enumerated().map { row, id -> SearchHit in
            let score = definedDot(matrix.vectors[(row * d)..<((row + 1) * d)], query)
            return SearchHit(questionID: id, score: score.isNaN ? -.infinity : score)
        }
        return Array(hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.questionID < $1.questionID }
            .prefix(k))
    }

    private func normalized(_ row: [Float]) -> [Float] {
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm == 0 ? row : row.map { $0 / norm }
    }

    /// Rows in clusters around a few centres, with planted near-duplicates (tiny noise), exact duplicates (the same
    /// row under several ids) and near-ties (one value moved by one ulp); ids shuffled.
    private func clusteredMatrix(count: Int, dimension d: Int, using random: inout SeededGenerator) -> EmbeddingMatrix {
        let centres = (0..<5).map { _ in normalized((0..<d).map { _ in random.nextGaussian() }) }
        var rows: [[Float]] = []
        while rows.count < count {
            let centre = centres[Int(random.next() % 5)]
            let row = normalized(centre.map { $0 + 0.1 * random.nextGaussian() })
            rows.append(row)
            switch random.next() % 8 {
            case 0: rows.append(normalized(row.map { $0 + 1e-4 * random.nextGaussian() }))  // near-duplicate
            case 1: rows.append(row); rows.append(row)  // exact duplicates
            case 2:  // near-tie: one value one ulp away
                var tie = row
                let i = Int(random.next() % UInt64(d))
                tie[i] = random.next() % 2 == 0 ? tie[i].nextUp : tie[i].nextDown
                rows.append(tie)
            default: break
            }
        }
        rows = Array(rows.prefix(count))
        var ids = (0..<Int64(count)).map { $0 * 7 + 3 }
        random.shuffle(&ids)
        return EmbeddingMatrix(dimension: d, ids: ids, vectors: Array(rows.joined()))
    }

    /// Queries: random, a stored row (its duplicates tie), a stored row slightly moved, a cluster's mean.
    private func queries(for matrix: EmbeddingMatrix, using random: inout SeededGenerator) -> [[Float]] {
        let d = matrix.dimension
        let stored = Int(random.next() % UInt64(matrix.count))
        let row = Array(matrix.vectors[(stored * d)..<((stored + 1) * d)])
        return [
            normalized((0..<d).map { _ in random.nextGaussian() }),
            row,
            normalized(row.map { $0 + 1e-3 * random.nextGaussian() }),
            normalized((0..<min(matrix.count, 50)).reduce(into: [Float](repeating: 0, count: d)) { sum, r in
                for j in 0..<d { sum[j] += matrix.vectors[r * d + j] }
            }),
        ]
    }

    private func expectCompactEqualsFused(_ matrix: EmbeddingMatrix, queries: [[Float]], ks: [Int]) {
        let compact = CompactSearch(matrix: matrix)
        for k in ks {
            // The block (ten queries: two groups of four and two alone; or one group of eight and two, tiled):
            // exactly the single queries' answers, whatever the slab height and kernel.
            let block = queries + queries.map { $0.map { -$0 } } + queries.prefix(2)
            let single = block.map { matrix.search($0, k: k) }
            for path in ScanPath.available {
                for slabRows in [7, 4096] {
                    for tiled in [false, true] {
                        #expect(compact.search(queries: Array(block.joined()), k: k, path: path, slabRows: slabRows,
                                               tiled: tiled)
                            == single, "compact block, \(path), k \(k), slab \(slabRows), tiled \(tiled)")
                    }
                }
            }
        }
        for query in queries {
            for k in ks {
                let reference = referenceTopK(matrix, query, k: k)
                for path in ScanPath.available {
                    let fused = matrix.search(query, k: k, path: path)
                    #expect(fused == reference, "fused scan, \(path), k \(k)")
                    for threads in [1, 2, 3] {
                        let (hits, _) = compact.search(query, k: k, path: path, threads: threads)
                        #expect(hits == fused, "compact scan, \(path), k \(k), \(threads) threads")
                    }
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func compactScanEqualsFloat32ScanOnRandomVectors(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for (count, d) in [(1, 3), (9, 1), (300, 16), (700, 37), (1500, 64)] {
            var ids = (0..<Int64(count)).map { $0 * 5 + 2 }
            random.shuffle(&ids)
            let matrix = EmbeddingMatrix(dimension: d, ids: ids,
                                         vectors: randomUnitVectors(count: count, dimension: d, using: &random))
            expectCompactEqualsFused(matrix, queries: queries(for: matrix, using: &random),
                                     ks: [1, 3, 10, count, count + 2])
        }
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func compactScanEqualsFloat32ScanOnClusteredVectorsWithTies(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for (count, d) in [(40, 8), (1200, 32), (800, 128)] {
            let matrix = clusteredMatrix(count: count, dimension: d, using: &random)
            expectCompactEqualsFused(matrix, queries: queries(for: matrix, using: &random), ks: [1, 2, 10, 50, count])
        }
    }

    @Test func tiesAreBrokenBySmallerIdOnEveryPath() {
        // Five copies of one row under ids 50, 40, 30, 20, 10, and one worse row.
        let row = normalized([1, 2, 3, 4])
        let matrix = EmbeddingMatrix(dimension: 4, ids: [50, 40, 30, 20, 10, 1],
                                     vectors: Array(repeating: row, count: 5).joined() + normalized([4, 3, 2, 1]))
        let compact = CompactSearch(matrix: matrix)
        for path in ScanPath.available {
            #expect(compact.search(row, k: 3, path: path).hits.map(\.questionID) == [10, 20, 30])
            #expect(matrix.search(row, k: 6, path: path).map(\.questionID) == [10, 20, 30, 40, 50, 1])
        }
    }

    @Test func compactPassPrunesMostRowsOfRandomData() {
        var random = SeededGenerator(seed: 11)
        let matrix = EmbeddingMatrix(dimension: 64, ids: (1...4000).map(Int64.init),
                                     vectors: randomUnitVectors(count: 4000, dimension: 64, using: &random))
        let compact = CompactSearch(matrix: matrix)
        let query = randomUnitVectors(count: 1, dimension: 64, using: &random)
        let (hits, rescored) = compact.search(query, k: 10, path: .best)
        #expect(hits == matrix.search(query, k: 10))
        #expect(rescored >= 10 && rescored < 400, "re-scored \(rescored) of 4000")
    }

    @Test func quantizationBoundsHold() {
        var random = SeededGenerator(seed: 12)
        let d = 48
        var vectors = randomUnitVectors(count: 200, dimension: d, using: &random)
        for j in 0..<d { vectors[j] *= 3 }      // a row that is not unit
        for j in 0..<d { vectors[d + j] = 0 }  // a zero row
        let matrix = EmbeddingMatrix(dimension: d, ids: (1...200).map(Int64.init), vectors: vectors)
        let compact = QuantizedEmbeddings(matrix)
        #expect(compact.byteCount == 200 * (d + 12))
        for row in 0..<200 {
            var error2 = 0.0, norm2 = 0.0
            for j in 0..<d {
                let code = compact.codes[row * d + j]
                #expect(code >= -127)
                let x = Double(vectors[row * d + j])
                let diff = x - Double(compact.scales[row]) * Double(code)
                error2 += diff * diff
                norm2 += x * x
            }
            #expect(Double(compact.errors[row]) >= error2.squareRoot())
            #expect(Double(compact.norms[row]) >= norm2.squareRoot())
            // Bounds are tight: within a few per cent of what they bound (the zero row has none to bound).
            #expect(Double(compact.errors[row]) <= error2.squareRoot() * 1.001 + 1e-9)
            // Per-row int8: ‖x − x̂‖ ≤ √d · scale / 2.
            #expect(error2.squareRoot() <= Double(d).squareRoot() * Double(compact.scales[row]) / 2 + 1e-12)
        }
        #expect(compact.errors[1] == 0 && compact.scales[1] == 0)
    }

    @Test func nonFiniteRowsAndQueriesGiveTheFloat32Answer() {
        var random = SeededGenerator(seed: 13)
        var vectors = randomUnitVectors(count: 30, dimension: 16, using: &random)
        vectors[5 * 16 + 3] = .nan
        vectors[9 * 16] = .infinity
        let matrix = EmbeddingMatrix(dimension: 16, ids: (1...30).map(Int64.init), vectors: vectors)
        let compact = CompactSearch(matrix: matrix)
        var nanQuery = randomUnitVectors(count: 1, dimension: 16, using: &random)
        let plainQuery = nanQuery
        nanQuery[2] = .nan
        for query in [plainQuery, nanQuery] {
            for k in [1, 5, 30] {
                #expect(compact.search(query, k: k) == matrix.search(query, k: k))
                #expect(matrix.search(query, k: k) == referenceTopK(matrix, query, k: k))
            }
        }
    }
}
