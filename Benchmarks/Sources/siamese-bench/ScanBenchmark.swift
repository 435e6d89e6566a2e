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

    var baseURL: URL { directory.appendingPathComponent("base.f32") }
    var queriesURL: URL { directory.appendingPathComponent("queries.f32") }
    var metaURL: URL { directory.appendingPathComponent("meta.json") }

    init(directory: URL, rows: Int, dimension: Int, queries: Int, seed: UInt64) {
        self.directory = directory
        self.rows = rows
        self.dimension = dimension
        self.queries = queries
        self.seed = seed
    }

    /// Reads DIR/meta.json.
    init(directory: URL) throws {
        let metaURL = directory.appendingPathComponent("meta.json")
        guard let data = try? Data(contentsOf: metaURL),
              let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rows = meta["rows"] as? Int, let dimension = meta["dim"] as? Int,
              let queries = meta["queries"] as? Int, let seed = meta["seed"] as? Int
        else { throw BenchError(description: "\(metaURL.path): missing or not {rows, dim, queries, seed}") }
        self.init(directory: directory, rows: rows, dimension: dimension, queries: queries, seed: UInt64(seed))
    }

    func writeMeta() throws {
        let meta: [String: Any] = ["rows": rows, "dim": dimension, "queries": queries, "seed": Int(seed)]
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

/// `scan-data`: base and query vectors from one seeded generator (base rows first, then the queries).
func scanData(_ options: Options) throws {
    guard UInt32(1).littleEndian == 1 else {
        throw BenchError(description: "scan files are little-endian; this host is not")
    }
    let data = ScanData(directory: URL(fileURLWithPath: try options.string("out")),
                        rows: try options.int("rows"), dimension: try options.int("dim", default: 128),
                        queries: try options.int("queries", default: 200),
                        seed: UInt64(try options.int("seed", default: 1)))
    guard data.rows > 0, data.dimension > 0, data.queries > 0 else {
        throw BenchError(description: "--rows, --dim and --queries must be positive")
    }
    try FileManager.default.createDirectory(at: data.directory, withIntermediateDirectories: true)
    var random = SeededGenerator(seed: data.seed)
    try writeUnitVectors(rows: data.rows, dimension: data.dimension, to: data.baseURL, using: &random)
    try writeUnitVectors(rows: data.queries, dimension: data.dimension, to: data.queriesURL, using: &random)
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

/// `scan`: single queries one by one (`search(_:k:)`), then the whole block (`search(queries:k:)`).
///
/// Each timing repeats whole passes until `--min-seconds` have gone by, so that the small sizes are not timed
/// on a few milliseconds. `--single S` times only the first S queries one by one (the block is always all).
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
    let queries = try readFloats(data.queriesURL, count: data.queries * d)  // [Q, d]
    let queryRows = (0..<data.queries).map { Array(queries[($0 * d)..<(($0 + 1) * d)]) }
    _ = matrix.search(queryRows[0], k: k)  // warm-up: pages and BLAS threads

    var latencies: [UInt64] = []  // ns, one per call
    var singleHits: [[SearchHit]] = []
    let singleStart = now()
    repeat {
        for query in queryRows.prefix(single) {
            let start = now()
            let hits = matrix.search(query, k: k)
            latencies.append(now() - start)
            if singleHits.count < single { singleHits.append(hits) }
        }
    } while Double(now() - singleStart) / 1e9 < minSeconds
    let singleSeconds = Double(now() - singleStart) / 1e9

    var blockHits: [[SearchHit]] = []
    var blockCalls = 0
    let blockStart = now()
    repeat {
        let hits = matrix.search(queries: queries, k: k)
        if blockCalls == 0 { blockHits = hits }
        blockCalls += 1
    } while Double(now() - blockStart) / 1e9 < minSeconds
    let blockSeconds = Double(now() - blockStart) / 1e9

    let topk = blockHits.map { $0.map { String($0.questionID) }.joined(separator: " ") }.joined(separator: "\n") + "\n"
    try topk.write(to: data.directory.appendingPathComponent("swift_topk.txt"), atomically: true, encoding: .utf8)
    // gemv and gemm round differently, so compare ids only.
    let singleAgrees = zip(singleHits, blockHits).filter { $0.0.map(\.questionID) == $0.1.map(\.questionID) }.count

    latencies.sort()
    try emit(["impl": "swift", "mode": "scan", "rows": data.rows, "dim": d, "k": k, "threads": threads,
              "queries": data.queries, "single_queries": single,
              "single_qps": Double(latencies.count) / singleSeconds,
              "median_latency_us": median(ofSorted: latencies) / 1e3,
              "block_qps": Double(blockCalls * data.queries) / blockSeconds,
              "single_calls": latencies.count, "block_calls": blockCalls,
              "single_equals_block": singleAgrees, "load_s": loadSeconds,
              "peak_rss_mib": peakRSSMiB(), "blas": blasConfiguration()],
             json: options.flags.contains("json"))
}
