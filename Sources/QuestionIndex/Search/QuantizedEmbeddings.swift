import Dispatch
import ScanKernels

/// A compact copy of an `EmbeddingMatrix` for the first pass of an exact scan: each row x as int8 codes c with
/// one scale s (x̂ = s · c, s = max|xᵢ| / 127), plus upper bounds on its quantization error ‖x − x̂‖ and on its
/// norm ‖x‖, so that the first pass can bound every row's exact score. d + 12 bytes a row, against 4·d.
package struct QuantizedEmbeddings: Sendable {
    /// Embedding width d.
    package let dimension: Int
    /// [count, dimension] row-major int8 codes.
    package let codes: [Int8]
    /// Per row: the scale s of x̂ = s · codes.
    package let scales: [Float]
    /// Per row: an upper bound on ‖x − x̂‖ (infinite for a row with a non-finite value).
    package let errors: [Float]
    /// Per row: an upper bound on ‖x‖.
    package let norms: [Float]

    /// The largest error and norm bound over all rows (0 when empty).
    let maxError: Float
    let maxNorm: Float

    /// The number of rows.
    package var count: Int { scales.count }

    /// The bytes a scan of this copy reads.
    package var byteCount: Int { codes.count + 12 * count }

    /// Quantizes every row of `matrix`, in its row order.
    package init(_ matrix: EmbeddingMatrix) {
        let n = matrix.count, d = matrix.dimension
        var codes = [Int8](repeating: 0, count: n * d)
        var scales = [Float](repeating: 0, count: n)
        var errors = [Float](repeating: 0, count: n)
        var norms = [Float](repeating: 0, count: n)
        matrix.vectors.withUnsafeBufferPointer { x in
            codes.withUnsafeMutableBufferPointer { codes in
                scales.withUnsafeMutableBufferPointer { scales in
                    errors.withUnsafeMutableBufferPointer { errors in
                        norms.withUnsafeMutableBufferPointer { norms in
                            guard n > 0 else { return }
                            sk_quantize_rows_int8(x.baseAddress, n, d, codes.baseAddress, scales.baseAddress,
                                                  errors.baseAddress, norms.baseAddress)
                        }
                    }
                }
            }
        }
        self.dimension = d
        self.codes = codes
        self.scales = scales
        self.errors = errors
        self.norms = norms
        self.maxError = errors.max() ?? 0
        self.maxNorm = norms.max() ?? 0
    }

    /// A copy from rows that `sk_quantize_rows_int8` quantized earlier (a stored copy); the caller has checked
    /// the shapes: `codes` holds `scales.count` · `dimension` values and every per-row array `scales.count`.
    init(dimension: Int, codes: [Int8], scales: [Float], errors: [Float], norms: [Float]) {
        precondition(codes.count == scales.count * dimension && errors.count == scales.count
                     && norms.count == scales.count, "the parts of a compact copy do not match")
        self.dimension = dimension
        self.codes = codes
        self.scales = scales
        self.errors = errors
        self.norms = norms
        self.maxError = errors.max() ?? 0
        self.maxNorm = norms.max() ?? 0
    }

    /// The rows that could be among the `k` best for `query` by exact Float32 score (`sk_dot_f32`): every row
    /// whose upper bound reaches the k-th best lower bound over all rows. Any other row has k rows whose exact
    /// scores are strictly higher, so it is in no top k, whatever the tie rule. In row order.
    ///
    /// With `parts` > 1 the rows are split into that many contiguous ranges scanned on as many threads, each with
    /// its own heap of lower bounds; the k-th best lower bound of all rows is the k-th best of the merged heaps.
    func candidates(for query: [Float], k: Int, path: ScanPath, parts: Int = 1) -> [Int64] {
        precondition(query.count == dimension, "query has \(query.count) values, expected \(dimension)")
        let n = count, d = dimension
        guard k > 0, n > 0 else { return [] }
        var queryCodes = [Int16](repeating: 0, count: d)
        let quantized = query.withUnsafeBufferPointer { q in
            queryCodes.withUnsafeMutableBufferPointer { sk_quantize_query_int16(q.baseAddress, d, $0.baseAddress) }
        }
        let frozenCodes = queryCodes  // a constant, for the threads to share
        let parts = max(1, min(parts, n))
        let ranges = (0..<parts).map { (n * $0 / parts)..<(n * ($0 + 1) / parts) }
        var results: [FirstPass] = []
        if parts == 1 {
            results = [firstPass(ranges[0], queryCodes: frozenCodes, query: quantized, k: k, path: path)]
        } else {
            let slots = PassSlots(count: parts)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                slots.store(firstPass(ranges[part], queryCodes: frozenCodes, query: quantized, k: k, path: path),
                            at: part)
            }
            results = slots.results
        }
        // Rows emitted early, while a threshold was lower, are dropped now if they fall below the final one.
        let kept = min(k, n)
        let lowerBounds = results.flatMap(\.lowerBounds).sorted(by: >)
        let threshold = lowerBounds.count >= kept ? lowerBounds[kept - 1] : -Double.infinity
        return results.flatMap { zip($0.rows, $0.upper).compactMap { $0.1 >= threshold ? $0.0 : nil } }
    }

    /// `candidates(for:k:path:)` for each of a block of queries ([m, d] row-major), cache-blocked: each slab of
    /// `slabRows` rows is scanned for every query while it is in cache, so the copy streams from memory once.
    ///
    /// With `tiled` (the default on CPUs with AVX-512 VNNI), each slab is packed into 16-row tiles once and
    /// scanned for eight queries at a time with int8 query codes (`sk_scan_tiles_int8`); else four queries at a
    /// time with int16 codes. Both keep every row that can be in a query's top k.
    func candidates(forBlock queries: [Float], k: Int, path: ScanPath, slabRows: Int = 4096,
                    tiled: Bool? = nil) -> [[Int64]] {
        precondition(queries.count % dimension == 0, "\(queries.count) values are not whole queries of \(dimension)")
        if tiled ?? (path == .avx512VNNI) {
            return tiledCandidates(forBlock: queries, k: k, path: path, slabRows: (max(16, slabRows) + 15) / 16 * 16)
        }
        let n = count, d = dimension, m = queries.count / dimension
        guard k > 0, n > 0, m > 0 else { return Array(repeating: [], count: m) }
        var queryCodes = [Int16](repeating: 0, count: m * d)
        let quantized = queries.withUnsafeBufferPointer { q in
            queryCodes.withUnsafeMutableBufferPointer { codes in
                (0..<m).map { sk_quantize_query_int16(q.baseAddress! + $0 * d, d, codes.baseAddress! + $0 * d) }
            }
        }
        let kept = min(k, n), slabRows = max(1, min(slabRows, n))
        let heapValues = UnsafeMutablePointer<Double>.allocate(capacity: m * kept)
        let emittedRows = UnsafeMutablePointer<Int64>.allocate(capacity: 4 * slabRows)
        let emittedUpper = UnsafeMutablePointer<Double>.allocate(capacity: 4 * slabRows)
        defer { heapValues.deallocate(); emittedRows.deallocate(); emittedUpper.deallocate() }
        var heaps = (0..<m).map { sk_bound_heap(values: heapValues + $0 * kept, count: 0, capacity: kept) }
        var passes = Array(repeating: FirstPass(), count: m)
        var emitted = [Int](repeating: 0, count: 4)
        func collect(_ query: Int, _ count: Int, at offset: Int) {
            passes[query].append(rows: emittedRows + offset, upper: emittedUpper + offset, count: count)
        }
        withKernelRows { compact in
            queryCodes.withUnsafeBufferPointer { queryCodes in
                for first in stride(from: 0, to: n, by: slabRows) {
                    let rows = min(slabRows, n - first)
                    var query = 0
                    // Four queries per pass over the slab: each row is read and widened once for them.
                    while query + 4 <= m {
                        heaps.withUnsafeMutableBufferPointer { heaps in
                            quantized.withUnsafeBufferPointer { quantized in
                                emitted.withUnsafeMutableBufferPointer { emitted in
                                    sk_scan_int8_x4(path.kernelPath, compact, first, rows,
                                                    queryCodes.baseAddress! + query * d,
                                                    quantized.baseAddress! + query,
                                                    heaps.baseAddress! + query, emittedRows, emittedUpper,
                                                    emitted.baseAddress)
                                }
                            }
                        }
                        for j in 0..<4 { collect(query + j, emitted[j], at: j * rows) }
                        query += 4
                    }
                    for query in query..<m {
                        let count = sk_scan_int8(path.kernelPath, compact, first, rows,
                                                 queryCodes.baseAddress! + query * d, quantized[query],
                                                 &heaps[query], emittedRows, emittedUpper)
                        collect(query, count, at: 0)
                    }
                }
            }
        }
        return zip(passes, heaps).map { $0.survivors(above: $1) }
    }

    private func tiledCandidates(forBlock queries: [Float], k: Int, path: ScanPath, slabRows: Int) -> [[Int64]] {
        let n = count, d = dimension, m = queries.count / dimension
        guard k > 0, n > 0, m > 0 else { return Array(repeating: [], count: m) }
        let stride = sk_pair_groups(d) * 4
        var queryCodes = [Int8](repeating: 0, count: m * stride)
        let quantized = queries.withUnsafeBufferPointer { q in
            queryCodes.withUnsafeMutableBufferPointer { codes in
                (0..<m).map { sk_quantize_query_int8(q.baseAddress! + $0 * d, d, codes.baseAddress! + $0 * stride) }
            }
        }
        let kept = min(k, n), slabRows = min(slabRows, (n + 15) / 16 * 16)
        let heapValues = UnsafeMutablePointer<Double>.allocate(capacity: m * kept)
        let emittedRows = UnsafeMutablePointer<Int64>.allocate(capacity: 8 * slabRows)
        let emittedUpper = UnsafeMutablePointer<Double>.allocate(capacity: 8 * slabRows)
        let tiles = UnsafeMutablePointer<Int8>.allocate(capacity: sk_pair_tiles(slabRows) * stride * 16)
        defer { heapValues.deallocate(); emittedRows.deallocate(); emittedUpper.deallocate(); tiles.deallocate() }
        var heaps = (0..<m).map { sk_bound_heap(values: heapValues + $0 * kept, count: 0, capacity: kept) }
        var passes = Array(repeating: FirstPass(), count: m)
        var emitted = [Int](repeating: 0, count: 8)
        withKernelRows { compact in
            queryCodes.withUnsafeBufferPointer { queryCodes in
                quantized.withUnsafeBufferPointer { quantized in
                    for first in Swift.stride(from: 0, to: n, by: slabRows) {
                        let rows = min(slabRows, n - first)
                        sk_pack_tiles(compact, first, rows, tiles)
                        for query in Swift.stride(from: 0, to: m, by: 8) {
                            let group = min(8, m - query)
                            heaps.withUnsafeMutableBufferPointer { heaps in
                                sk_scan_tiles_int8(path.kernelPath, compact, tiles, first, rows,
                                                   queryCodes.baseAddress! + query * stride,
                                                   quantized.baseAddress! + query, group, heaps.baseAddress! + query,
                                                   emittedRows, emittedUpper, &emitted)
                            }
                            for j in 0..<group {
                                passes[query + j].append(rows: emittedRows + j * rows, upper: emittedUpper + j * rows,
                                                         count: emitted[j])
                            }
                        }
                    }
                }
            }
        }
        return zip(passes, heaps).map { $0.survivors(above: $1) }
    }

    /// Calls `body` with the compact rows as the C kernels take them; the pointers are valid only inside `body`.
    private func withKernelRows<R>(_ body: (sk_int8_rows) -> R) -> R {
        codes.withUnsafeBufferPointer { codes in
            scales.withUnsafeBufferPointer { scales in
                errors.withUnsafeBufferPointer { errors in
                    norms.withUnsafeBufferPointer { norms in
                        body(sk_int8_rows(codes: codes.baseAddress, scales: scales.baseAddress,
                                          errors: errors.baseAddress, norms: norms.baseAddress, d: dimension,
                                          max_error: maxError, max_norm: maxNorm))
                    }
                }
            }
        }
    }

    /// One range's first pass: the rows emitted with their upper bounds, and the range's best lower bounds.
    struct FirstPass: Sendable {
        var rows: [Int64] = []
        var upper: [Double] = []
        var lowerBounds: [Double] = []

        /// Adds `count` rows a kernel emitted, with their upper bounds.
        mutating func append(rows: UnsafePointer<Int64>, upper: UnsafePointer<Double>, count: Int) {
            guard count > 0 else { return }
            self.rows.append(contentsOf: UnsafeBufferPointer(start: rows, count: count))
            self.upper.append(contentsOf: UnsafeBufferPointer(start: upper, count: count))
        }

        /// The rows emitted early, while the heap's threshold was lower, that still reach its final one.
        func survivors(above heap: sk_bound_heap) -> [Int64] {
            let threshold = heap.count < heap.capacity ? -Double.infinity : heap.values[0]
            return zip(rows, upper).compactMap { $0.1 >= threshold ? $0.0 : nil }
        }
    }

    private func firstPass(_ range: Range<Int>, queryCodes: [Int16], query: sk_query_int16, k: Int,
                           path: ScanPath) -> FirstPass {
        let chunkRows = min(range.count, 1 << 14)
        let capacity = min(k, range.count)
        let heapValues = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
        let emittedRows = UnsafeMutablePointer<Int64>.allocate(capacity: chunkRows)
        let emittedUpper = UnsafeMutablePointer<Double>.allocate(capacity: chunkRows)
        defer { heapValues.deallocate(); emittedRows.deallocate(); emittedUpper.deallocate() }
        var heap = sk_bound_heap(values: heapValues, count: 0, capacity: capacity)
        var result = FirstPass()
        withKernelRows { compact in
            queryCodes.withUnsafeBufferPointer { queryCodes in
                for first in stride(from: range.lowerBound, to: range.upperBound, by: chunkRows) {
                    let emitted = sk_scan_int8(path.kernelPath, compact, first,
                                               min(chunkRows, range.upperBound - first),
                                               queryCodes.baseAddress, query, &heap, emittedRows,
                                               emittedUpper)
                    result.rows.append(contentsOf: UnsafeBufferPointer(start: emittedRows, count: emitted))
                    result.upper.append(contentsOf: UnsafeBufferPointer(start: emittedUpper, count: emitted))
                }
            }
        }
        result.lowerBounds = Array(UnsafeBufferPointer(start: heapValues, count: heap.count))
        return result
    }
}

/// One result slot per thread of a split first pass; each thread writes only its own slot (through a pointer, so
/// that no two threads access one Swift array at once).
private final class PassSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<QuantizedEmbeddings.FirstPass>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: .init())
    }
    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }
    func store(_ pass: QuantizedEmbeddings.FirstPass, at index: Int) { slots[index] = pass }
    var results: [QuantizedEmbeddings.FirstPass] { Array(slots) }
}
