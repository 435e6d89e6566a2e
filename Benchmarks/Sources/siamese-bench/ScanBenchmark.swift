// The Swift side of the scan benchmark (Benchmarks/scan.sh): `EmbeddingMatrix` on seeded random unit vectors.
//
//   siamese-bench scan-data --rows N --dim 128 --queries Q --seed S --out DIR
//   siamese-bench scan --data DIR --k 10 --threads T [--single S] [--min-seconds 0.5] [--json]
//
// DIR holds base.f32 ([N, d]) and queries.f32 ([Q, d]), raw little-endian float32, and meta.json; the Python peers
// (scan_peers.py) read the same files.
import Foundation
import QuestionIndex
import SiameseNet

/// The shape of a scan data folder, as meta.json records it.
struct ScanData {
    let directory: URL
    let rows: Int
    let dimension: Int
    let queries: Int
    let seed: UInt64
    /// "random" (independent normal samples) or "clustered" (see `writeClusteredVectors`).
    let kind: String

    var baseURL: URL { directory.appendingPathComponent("base.f32") }
    var queriesURL: URL { directory.appendingPathComponent("queries.f32") }
    var metaURL: URL { directory.appendingPathComponent("meta.json") }

    init(directory: URL, rows: Int, dimension: Int, queries: Int, seed: UInt64, kind: String) {
        self.directory = directory
        self.rows = rows
        self.dimension = dimension
        self.queries = queries
        self.seed = seed
        self.kind = kind
    }

    /// Reads DIR/meta.json.
    init(directory: URL) throws {
        let metaURL = directory.appendingPathComponent("meta.json")
        guard let data = try? Data(contentsOf: metaURL),
              let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rows = meta["rows"] as? Int, let dimension = meta["dim"] as? Int,
              let queries = meta["queries"] as? Int, let seed = meta["seed"] as? Int
        else { throw BenchError(description: "\(metaURL.path): missing or not {rows, dim, queries, seed}") }
        self.init(directory: directory, rows: rows, dimension: dimension, queries: queries, seed: UInt64(seed),
                  kind: meta["kind"] as? String ?? "random")
    }

    func writeMeta() throws {
        let meta: [String: Any] = ["rows": rows, "dim": dimension, "queries": queries, "seed": Int(seed), "kind": kind]
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys]).write(to: metaURL)
    }
}

/// Writes `rows` seeded random unit vectors (normal samples, then L2-normalized) to a raw float32 file, in chunks
/// so that a million rows never sit in memory twice. The generator goes on from where the caller left it.
func writeUnitVectors(rows: Int, dimension: Int, to url: URL, using random: inout SeededGenerator) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil),
          let file = try? FileHandle(forWritingTo: url)
    else { throw BenchError(description: "cannot write \(url.path)") }
    defer { try? file.close() }
    let chunkRows = 1 << 16
    for first in stride(from: 0, to: rows, by: chunkRows) {
        let count = min(chunkRows, rows - first)
        let raw = (0..<(count * dimension)).map { _ in random.nextGaussian() }  // [count, d]
        let unit = VectorMath.l2Normalized(raw, dimension: dimension)
        try file.write(contentsOf: unit.withUnsafeBytes { Data($0) })
    }
}

/// Writes `rows` clustered unit vectors: 1,000 random unit centres; each row is a centre plus N(0, 0.05²) noise
/// per value, normalized; after each row, with probability 1/10 a near-duplicate of it (N(0, 0.002²) noise), 1/20
/// an exact copy. Queries (`asQueries`) are stored-like rows: a centre plus noise, near-duplicate of nothing
/// stored, so each query has a cluster of close rows and near-ties among them.
func writeClusteredVectors(rows: Int, dimension: Int, centres: [[Float]], to url: URL,
                           using random: inout SeededGenerator) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil),
          let file = try? FileHandle(forWritingTo: url)
    else { throw BenchError(description: "cannot write \(url.path)") }
    defer { try? file.close() }
    var chunk: [Float] = []
    var written = 0
    while written < rows {
        let centre = centres[Int(random.next() % UInt64(centres.count))]
        let row = VectorMath.l2Normalized(centre.map { $0 + 0.05 * random.nextGaussian() }, dimension: dimension)
        var produced = [row]
        let draw = random.next() % 20
        if draw < 2 {
            produced.append(VectorMath.l2Normalized(row.map { $0 + 0.002 * random.nextGaussian() }, dimension: dimension))
        } else if draw == 2 {
            produced.append(row)
        }
        for vector in produced where written < rows {
            chunk += vector
            written += 1
        }
        if chunk.count >= (1 << 16) * dimension || written == rows {
            try file.write(contentsOf: chunk.withUnsafeBytes { Data($0) })
            chunk.removeAll(keepingCapacity: true)
        }
    }
}

/// `scan-data`: base and query vectors from one seeded generator (base rows first, then the queries).
func scanData(_ options: Options) throws {
    guard UInt32(1).littleEndian == 1 else {
        throw BenchError(description: "scan files are little-endian; this host is not")
    }
    let data = ScanData(directory: URL(fileURLWithPath: try options.string("out")),
                        rows: try options.int("rows"), dimension: try options.int("dim", default: 128),
                        queries: try options.int("queries", default: 200),
                        seed: UInt64(try options.int("seed", default: 1)),
                        kind: options.values["kind"] ?? "random")
    guard data.rows > 0, data.dimension > 0, data.queries > 0 else {
        throw BenchError(description: "--rows, --dim and --queries must be positive")
    }
    try FileManager.default.createDirectory(at: data.directory, withIntermediateDirectories: true)
    var random = SeededGenerator(seed: data.seed)
    switch data.kind {
    case "random":
        try writeUnitVectors(rows: data.rows, dimension: data.dimension, to: data.baseURL, using: &random)
        try writeUnitVectors(rows: data.queries, dimension: data.dimension, to: data.queriesURL, using: &random)
    case "clustered":
        let centres = (0..<1000).map { _ in
            VectorMath.l2Normalized((0..<data.dimension).map { _ in random.nextGaussian() }, dimension: data.dimension)
        }
        try writeClusteredVectors(rows: data.rows, dimension: data.dimension, centres: centres, to: data.baseURL,
                                  using: &random)
        try writeClusteredVectors(rows: data.queries, dimension: data.dimension, centres: centres,
                                  to: data.queriesURL, using: &random)
    default:
        throw BenchError(description: "--kind must be random or clustered")
    }
    try data.writeMeta()
    let summary = "wrote \(data.rows) base and \(data.queries) query vectors of \(data.dimension)"
    FileHandle.standardError.write(Data("\(summary) to \(data.directory.path)\n".utf8))
}

/// Reads a raw float32 file of exactly `count` values straight into the array (no intermediate `Data`, so the
/// peak memory is the matrix itself).
func readFloats(_ url: URL, count: Int) throws -> [Float] {
    guard let file = fopen(url.path, "rb") else { throw BenchError(description: "cannot open \(url.path)") }
    defer { fclose(file) }
    var read = 0
    let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if let base = buffer.baseAddress { read = fread(base, MemoryLayout<Float>.size, count, file) }
        initialized = read
    }
    guard read == count, fgetc(file) == EOF else {
        throw BenchError(description: "\(url.path): expected exactly \(count) float32 values")
    }
    return values
}

/// OpenBLAS's version, build options and kernel family in use ("OpenBLAS 0.3.21 DYNAMIC_ARCH … Cooperlake …"),
/// looked up at run time because this target does not link CBLAS itself; "unknown" elsewhere (Accelerate).
func blasConfiguration() -> String {
    #if os(Linux)
    typealias Function = @convention(c) () -> UnsafePointer<CChar>?
    guard let config = dlsym(nil, "openblas_get_config"), let text = unsafeBitCast(config, to: Function.self)()
    else { return "unknown" }
    var description = String(cString: text)
    // Older builds leave the kernel family out of the configuration string.
    if let core = dlsym(nil, "openblas_get_corename"), let name = unsafeBitCast(core, to: Function.self)() {
        let coreName = String(cString: name)
        if !description.localizedCaseInsensitiveContains(coreName) { description += " \(coreName)" }
    }
    return description
    #else
    return "unknown"
    #endif
}

/// The median of sorted values.
func median(ofSorted sorted: [UInt64]) -> Double {
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? Double(sorted[middle]) : (Double(sorted[middle - 1]) + Double(sorted[middle])) / 2
}

/// Monotonic nanoseconds.
func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// The single-query scan `EmbeddingMatrix.search(_:k:)` ran before the fused kernel, kept here as the baseline:
/// one BLAS sgemv into a fresh N-float score buffer, then a top k (score descending, then id ascending).
func sgemvSearch(_ matrix: EmbeddingMatrix, _ query: [Float], k: Int) -> [SearchHit] {
    var scores = [Float](repeating: 0, count: matrix.count)
    matrix.vectors.withUnsafeBufferPointer { a in
        query.withUnsafeBufferPointer { x in
            scores.withUnsafeMutableBufferPointer { y in
                BLAS.gemv(rows: matrix.count, cols: matrix.dimension, a.baseAddress!, x.baseAddress!, y.baseAddress!)
            }
        }
    }
    let k = min(k, matrix.count)
    var best: [SearchHit] = []  // sorted best first, at most k
    best.reserveCapacity(k + 1)
    func better(_ a: SearchHit, _ b: SearchHit) -> Bool {
        a.score != b.score ? a.score > b.score : a.questionID < b.questionID
    }
    for (row, score) in scores.enumerated() {
        if best.count == k, let last = best.last, score < last.score { continue }
        let hit = SearchHit(questionID: matrix.ids[row], score: score)
        if best.count == k, let last = best.last, !better(hit, last) { continue }
        let position = best.firstIndex { better(hit, $0) } ?? best.count
        best.insert(hit, at: position)
        if best.count > k { best.removeLast() }
    }
    return best
}

/// Times `search` over `queries` in whole passes until `minSeconds` have gone by (at least one pass); returns the
/// per-call latencies (ns), the seconds and the first pass's hits.
func timeOneByOne(_ queries: ArraySlice<[Float]>, minSeconds: Double,
                  _ search: ([Float]) -> [SearchHit]) -> (latencies: [UInt64], seconds: Double, hits: [[SearchHit]]) {
    var latencies: [UInt64] = []
    var hits: [[SearchHit]] = []
    let start = now()
    repeat {
        for query in queries {
            let callStart = now()
            let result = search(query)
            latencies.append(now() - callStart)
            if hits.count < queries.count { hits.append(result) }
        }
    } while Double(now() - start) / 1e9 < minSeconds
    return (latencies.sorted(), Double(now() - start) / 1e9, hits)
}

/// `scan`: three Swift scans, each on the first S queries one by one and on the whole block:
/// - `swift-sgemv`: one query = BLAS sgemv + top k (the scan before issue 9), block = `search(queries:k:)` (sgemm);
/// - `swift-fused`: `EmbeddingMatrix.search(_:k:)`, the fused AVX2 Float32 kernel (no block: not timed);
/// - `swift-compact`: `CompactSearch.search(_:k:threads:)`, int8 first pass (rows split over `--threads`) + exact
///   re-score; block = `CompactSearch.search(queries:k:)` (the first pass cache-blocked over slabs of rows).
///
/// Each timing repeats whole passes until `--min-seconds` have gone by. Checks: compact hits identical (ids and
/// scores) to fused hits for every single query, and the compact block's to the compact singles'; ids of the sgemv scan equal to compact's (they may differ where sgemv's
/// rounding reorders near-ties). swift_topk.txt (for the peers' check) holds the compact scan's ids.
func scan(_ options: Options) throws {
    let threads = try options.int("threads", default: 1)
    BLAS.setThreadCount(threads)
    let k = try options.int("k", default: 10)
    let data = try ScanData(directory: URL(fileURLWithPath: try options.string("data")))
    let single = min(try options.int("single", default: data.queries), data.queries)
    let minSeconds = try options.double("min-seconds", default: 0.5)
    let d = data.dimension

    let loadStart = now()
    let matrix = EmbeddingMatrix(dimension: d, ids: (1...data.rows).map(Int64.init),
                                 vectors: try readFloats(data.baseURL, count: data.rows * d))
    let loadSeconds = Double(now() - loadStart) / 1e9
    let buildStart = now()
    let compact = CompactSearch(matrix: matrix)
    let buildSeconds = Double(now() - buildStart) / 1e9
    let queries = try readFloats(data.queriesURL, count: data.queries * d)  // [Q, d]
    let queryRows = (0..<data.queries).map { Array(queries[($0 * d)..<(($0 + 1) * d)]) }
    // Warm-up: pages and BLAS threads.
    _ = sgemvSearch(matrix, queryRows[0], k: k)
    _ = matrix.search(queryRows[0], k: k)
    _ = compact.search(queryRows[0], k: k, threads: threads)

    let sgemv = timeOneByOne(queryRows.prefix(single), minSeconds: minSeconds) { sgemvSearch(matrix, $0, k: k) }
    let fused = timeOneByOne(queryRows.prefix(single), minSeconds: minSeconds) { matrix.search($0, k: k) }
    let compactSingle = timeOneByOne(queryRows.prefix(single), minSeconds: minSeconds) {
        compact.search($0, k: k, threads: threads)
    }

    var blockHits: [[SearchHit]] = []
    var blockCalls = 0
    let blockStart = now()
    repeat {
        let hits = matrix.search(queries: queries, k: k)
        if blockCalls == 0 { blockHits = hits }
        blockCalls += 1
    } while Double(now() - blockStart) / 1e9 < minSeconds
    let blockSeconds = Double(now() - blockStart) / 1e9
    // The compact block: `CompactSearch.search(queries:k:)`, cache-blocked over slabs of rows.
    var compactHits: [[SearchHit]] = []
    var compactBlockCalls = 0
    let compactBlockStart = now()
    repeat {
        let hits = compact.search(queries: queries, k: k)
        if compactBlockCalls == 0 { compactHits = hits }
        compactBlockCalls += 1
    } while Double(now() - compactBlockStart) / 1e9 < minSeconds
    let compactBlockSeconds = Double(now() - compactBlockStart) / 1e9

    let topk = compactHits.map { $0.map { String($0.questionID) }.joined(separator: " ") }.joined(separator: "\n") + "\n"
    try topk.write(to: data.directory.appendingPathComponent("swift_topk.txt"), atomically: true, encoding: .utf8)
    let compactEqualsFused = zip(compactSingle.hits, fused.hits).filter { $0.0 == $0.1 }.count
    let blockEqualsSingle = zip(compactHits, compactSingle.hits).filter { $0.0 == $0.1 }.count
    let sgemvIDsEqual = zip(sgemv.hits, compactHits).filter { $0.0.map(\.questionID) == $0.1.map(\.questionID) }.count
    let sgemmIDsEqual = zip(blockHits, compactHits).filter { $0.0.map(\.questionID) == $0.1.map(\.questionID) }.count
    // Bit for bit: hits (id and score) of sgemv equal to the fused kernel's, over all single queries' hits.
    let sgemvHitsEqual = zip(sgemv.hits, fused.hits).map { zip($0.0, $0.1).filter { $0.0 == $0.1 }.count }
        .reduce(0, +)
    // How many rows the compact scan re-scores in Float32, over the single queries.
    var rescored = 0
    for query in queryRows.prefix(single) { rescored += compact.candidateCount(query, k: k) }

    let common: [String: Any] = [
        "mode": "scan", "rows": data.rows, "dim": d, "k": k, "threads": threads, "kind": data.kind,
        "queries": data.queries, "single_queries": single, "load_s": loadSeconds, "blas": blasConfiguration(),
    ]
    func line(_ impl: String, _ timing: (latencies: [UInt64], seconds: Double, hits: [[SearchHit]]),
              blockQPS: Double, extra: [String: Any]) throws {
        var fields = common.merging(extra) { $1 }
        fields["impl"] = impl
        fields["single_qps"] = Double(timing.latencies.count) / timing.seconds
        fields["median_latency_us"] = median(ofSorted: timing.latencies) / 1e3
        fields["block_qps"] = blockQPS
        fields["single_calls"] = timing.latencies.count
        fields["peak_rss_mib"] = peakRSSMiB()
        try emit(fields, json: options.flags.contains("json"))
    }
    try line("swift-sgemv", sgemv, blockQPS: Double(blockCalls * data.queries) / blockSeconds,
             extra: ["block_calls": blockCalls, "sgemv_ids_equal_compact": sgemvIDsEqual,
                     "sgemm_ids_equal_compact": sgemmIDsEqual, "sgemv_hits_equal_fused": sgemvHitsEqual])
    try line("swift-fused", fused, blockQPS: 0, extra: [:])
    try line("swift-compact", compactSingle,
             blockQPS: Double(compactBlockCalls * data.queries) / compactBlockSeconds,
             extra: ["compact_equals_fused": compactEqualsFused, "compact_block_equals_single": blockEqualsSingle, "compact_build_s": buildSeconds,
                     "compact_mib": Double(compact.compact.byteCount) / 1048576,
                     "mean_rescored": Double(rescored) / Double(single)])
}
