// The Swift side of the dedup pair-scan benchmark (Benchmarks/dedup_scan.sh): `DuplicatePairFinder` on seeded
// unit vectors with planted near-duplicates, against numpy and faiss (dedup_peers.py) on the same file.
//
//   siamese-bench dedup-data --rows N --dim 128 --seed S --threshold 0.9 --out DIR
//   siamese-bench dedup-scan --data DIR --threshold 0.9 --threads T [--json]
//
// DIR holds base.f32 ([N, d], raw little-endian float32, unit rows), meta.json, and after a scan IMPL_pairs.txt:
// one "i j" line per pair (0-based rows, i < j) scoring ≥ threshold, sorted, so the peers' sets compare with cmp.
import Foundation
import QuestionIndex
import SiameseNet

/// Writes N seeded random unit vectors of which about 1% are planted near-duplicates of earlier rows: most are
/// noisy copies (cosine spread around the threshold), and 20 are placed exactly at threshold ± 1e-6 (10 above,
/// 10 below) by mixing a row with a unit vector orthogonal to it.
func dedupData(_ options: Options) throws {
    let rows = try options.int("rows"), d = try options.int("dim", default: 128)
    let seed = UInt64(try options.int("seed", default: 1))
    let threshold = try options.double("threshold", default: 0.9)
    let directory = URL(fileURLWithPath: try options.string("out"))
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    var random = SeededGenerator(seed: seed)
    var vectors = VectorMath.l2Normalized((0..<(rows * d)).map { _ in random.nextGaussian() }, dimension: d)
    let planted = rows / 100
    let exact = min(20, planted)
    for p in 0..<planted {
        let target = Int(random.next() % UInt64(rows))
        var source = Int(random.next() % UInt64(rows))
        if source == target { source = (source + 1) % rows }
        let original = Array(vectors[(source * d)..<((source + 1) * d)])
        var row: [Float]
        if p < exact {
            // cos(original, row) = c exactly (up to rounding): row = c · original + √(1 − c²) · u, u ⟂ original.
            let c = threshold + (p % 2 == 0 ? 1e-6 : -1e-6)
            var u = (0..<d).map { _ in random.nextGaussian() }
            let along = zip(u, original).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            u = zip(u, original).map { $0 - along * $1 }
            let norm = u.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            let s = (1 - c * c).squareRoot()
            row = zip(original, u).map { Float(c * Double($0) + s * Double($1 / norm)) }
        } else {
            let noise: Float = [0.02, 0.03, 0.04][p % 3]
            row = original.map { $0 + noise * random.nextGaussian() }
        }
        let norm = row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        vectors.replaceSubrange((target * d)..<((target + 1) * d), with: row.map { $0 / norm })
    }
    try vectors.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: directory.appendingPathComponent("base.f32"))
    let meta: [String: Any] = ["rows": rows, "dim": d, "seed": Int(seed), "threshold": threshold, "planted": planted]
    try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
        .write(to: directory.appendingPathComponent("meta.json"))
    FileHandle.standardError.write(Data("wrote \(rows) × \(d) with \(planted) planted near-duplicates to \(directory.path)\n".utf8))
}

/// Times one `DuplicatePairFinder` run (vectors already in memory) and writes its pairs for comparison.
func dedupScan(_ options: Options) throws {
    let directory = URL(fileURLWithPath: try options.string("data"))
    let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("meta.json")))
        as? [String: Any]
    guard let rows = meta?["rows"] as? Int, let d = meta?["dim"] as? Int else {
        throw BenchError(description: "\(directory.path)/meta.json: missing rows or dim")
    }
    let threshold = Float(try options.double("threshold", default: 0.9))
    let threads = try options.int("threads", default: 1)
    BLAS.setThreadCount(threads)
    if threads == 1 { BLAS.stopWorkerThreads() }
    let vectors = try readFloats(directory.appendingPathComponent("base.f32"), count: rows * d)
    let matrix = EmbeddingMatrix(dimension: d, ids: Array(1...Int64(rows)), vectors: vectors)
    let rssBefore = peakRSSMiB()
    let start = now()
    let pairs = DuplicatePairFinder(threshold: threshold, workers: threads).pairs(in: matrix)
    let seconds = Double(now() - start) / 1e9
    let lines = pairs.map { ($0.id1 - 1, $0.id2 - 1) }.sorted { $0 < $1 }.map { "\($0.0) \($0.1)" }
    try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n"))
        .write(to: directory.appendingPathComponent("swift_pairs.txt"), atomically: true, encoding: .utf8)
    try emit(["impl": "swift", "rows": rows, "dim": d, "threads": threads, "threshold": Double(threshold),
              "pairs": pairs.count, "seconds": seconds, "vectors_mib": Double(rows * d * 4) / 1_048_576,
              "peak_rss_mib": peakRSSMiB(), "rss_before_scan_mib": rssBefore, "blas": blasConfiguration()],
             json: options.flags.contains("json"))
}
