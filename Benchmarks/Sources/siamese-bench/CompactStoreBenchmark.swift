// The compact copy stored in SQLite (issue 9 items 1 and 3): a synthetic index of N questions for `siamese query`
// to search, and the time to load the compact copy against all Float32 vectors (Benchmarks/compact_query.sh).
//
//   siamese-bench store-data --db DB --model NAME --rows N [--seed 1] [--kind random|clustered] [--centres FILE]
//   siamese-bench compact-load --db DB --model NAME [--rounds 5] [--float32 0 (skip the Float32 read)] [--check N]
import Foundation
import QuestionIndex
import SiameseNet

/// `store-data`: adds `rows` questions ("synthetic question I") to DB and stores one seeded unit vector per
/// question under the model (which must exist: `siamese train` first), then refreshes the compact chunks, as
/// `siamese index` ends. Much faster than embedding 1M texts, and the vectors are reproducible.
///
/// kind random: N(0, 1) values, normalized. kind clustered: rows around centres (the model's embeddings of the
/// lines of --centres, else 1,000 random unit vectors), each a centre plus N(0, 0.05²) noise per value,
/// normalized; after each row, with probability 1/10 a near-duplicate (N(0, 0.002²) noise), 1/20 an exact copy.
/// With centres from the model, a query like one of those lines lands in a dense cluster: many near-ties.
func storeData(_ options: Options) throws {
    let store = try QuestionStore(path: options.string("db"), mode: .readWrite)
    let model = try store.loadModel(name: options.string("model"))
    let rows = try options.int("rows"), d = model.model.config.dimension
    var random = SeededGenerator(seed: UInt64(try options.int("seed", default: 1)))
    let kind = options.values["kind"] ?? "random"
    var centres: [[Float]] = []
    if kind == "clustered" {
        if let file = options.values["centres"] {
            let texts = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
                .filter { !model.model.tokenIDs($0).isEmpty }
            let encoded = try model.model.encode(texts)
            centres = (0..<texts.count).map { Array(encoded[($0 * d)..<(($0 + 1) * d)]) }
        } else {
            centres = (0..<1000).map { _ in
                VectorMath.l2Normalized((0..<d).map { _ in random.nextGaussian() }, dimension: d)
            }
        }
    } else if kind != "random" {
        throw BenchError(description: "--kind must be random or clustered")
    }
    let start = Date()
    var addSeconds = 0.0, storeSeconds = 0.0
    var pending: [Float] = []  // clustered rows that did not fit in the previous batch
    let batch = 100_000
    for first in stride(from: 0, to: rows, by: batch) {
        let count = min(batch, rows - first)
        var clock = Date()
        let ids = try store.addQuestions((first..<(first + count)).map { (text: "synthetic question \($0)", externalID: nil) },
                                         source: "store-data").added
        addSeconds += Date().timeIntervalSince(clock)
        clock = Date()
        var vectors: [Float]
        if kind == "random" {
            vectors = VectorMath.l2Normalized((0..<(ids.count * d)).map { _ in random.nextGaussian() }, dimension: d)
        } else {
            vectors = pending
            while vectors.count < ids.count * d {
                let centre = centres[Int(random.next() % UInt64(centres.count))]
                let row = VectorMath.l2Normalized(centre.map { $0 + 0.05 * random.nextGaussian() }, dimension: d)
                vectors += row
                let draw = random.next() % 20
                if draw < 2 {
                    vectors += VectorMath.l2Normalized(row.map { $0 + 0.002 * random.nextGaussian() }, dimension: d)
                } else if draw == 2 {
                    vectors += row
                }
            }
            pending = Array(vectors[(ids.count * d)...])
            vectors.removeLast(vectors.count - ids.count * d)
        }
        try store.storeEmbeddings(modelID: model.id, questionIDs: ids, vectors: vectors)
        storeSeconds += Date().timeIntervalSince(clock)
        FileHandle.standardError.write(Data("store-data: \(first + count) of \(rows)\n".utf8))
    }
    let clock = Date()
    let refresh = try store.refreshCompactChunks(modelID: model.id)
    let refreshSeconds = Date().timeIntervalSince(clock)
    print(String(format: "store-data: %d questions (%@) in %.1f s: add %.1f s, vectors %.1f s, compact chunks %.1f s "
                 + "(%d chunks, %d rows); peak RSS %.0f MiB", rows, kind, Date().timeIntervalSince(start), addSeconds,
                 storeSeconds, refreshSeconds, refresh.written, refresh.rowsWritten, peakRSSMiB()))
}

/// `compact-load`: in one process, `rounds` times each, the load of the model and the read of its compact copy
/// (`QuestionStore.compactEmbeddings`) on one connection and with the second connection that copies half the
/// chunks on another thread (the default on several cores), alternating round by round, and of all its Float32
/// vectors (`embeddingMatrix`, what `query` read before), each on a newly opened read-only store; medians in ms.
/// Run the Float32 read last: its 512 MB at 1M rows would otherwise count in the compact read's peak memory.
func compactLoad(_ options: Options) throws {
    let path = try options.string("db"), name = try options.string("model")
    let rounds = try options.int("rounds", default: 5)
    var modelLoads: [Double] = []
    func timedOnce(_ body: (QuestionStore, Int64) throws -> Int) throws -> (ms: Double, rows: Int) {
        let store = try QuestionStore(path: path, mode: .readOnly)
        let loading = now()
        let modelID = try store.loadModel(name: name).id
        modelLoads.append(Double(now() - loading) / 1e6)
        let start = now()
        let rows = try body(store, modelID)
        return (Double(now() - start) / 1e6, rows)
    }
    func show(_ unsorted: [Double]) -> String {
        let times = unsorted.sorted()
        return String(format: "median %.1f ms (min %.1f, max %.1f)", times[times.count / 2], times[0], times[times.count - 1])
    }
    var chunked = 0, rows = 0
    var times: [Bool: [Double]] = [false: [], true: []]
    for _ in 0..<rounds {
        for sideReader in [false, true] {
            let round = try timedOnce { store, modelID in
                let copy = try store.compactEmbeddings(modelID: modelID, sideReader: sideReader)
                chunked = copy.chunkedRows
                return copy.count
            }
            rows = round.rows
            times[sideReader, default: []].append(round.ms)
        }
    }
    let compactRSS = peakRSSMiB()
    print("compact-load: \(rows) rows (\(chunked) from chunks), \(rounds) rounds")
    print("  model (weights, vocabulary, sub-words): \(show(modelLoads))")
    print("  compact copy, one connection:  \(show(times[false]!))")
    print("  compact copy, two connections: \(show(times[true]!)); peak RSS after both \(String(format: "%.0f", compactRSS)) MiB")
    guard try options.int("float32", default: 1) != 0 else { return }
    var float32: [Double] = []
    for _ in 0..<rounds { float32.append(try timedOnce { store, modelID in try store.embeddingMatrix(modelID: modelID).count }.ms) }
    print("  Float32 vectors:               \(show(float32)); peak RSS after it \(String(format: "%.0f", peakRSSMiB())) MiB")
    try checkExact(path: path, model: name, queries: try options.int("check", default: 0))
}

/// `--check N`: N seeded queries (half random unit vectors, half stored rows, whose exact duplicates tie) searched
/// on the stored compact copy and by the Float32 scan (`EmbeddingMatrix.search(_:k:)`), top 10: the hits must be
/// identical (ids, order, scores).
func checkExact(path: String, model name: String, queries: Int) throws {
    guard queries > 0 else { return }
    let store = try QuestionStore(path: path, mode: .readOnly)
    let modelID = try store.loadModel(name: name).id
    let matrix = try store.embeddingMatrix(modelID: modelID)
    let d = matrix.dimension
    var random = SeededGenerator(seed: 7)
    var identical = 0
    for index in 0..<queries {
        let query = index % 2 == 0
            ? VectorMath.l2Normalized((0..<d).map { _ in random.nextGaussian() }, dimension: d)
            : Array(matrix.vectors[(Int(random.next() % UInt64(matrix.count)) * d)...].prefix(d))
        let stored = try store.withCompactSnapshot(modelID: modelID) { try $0.search(queries: query, k: 10)[0] }
        if stored == matrix.search(query, k: 10) { identical += 1 }
    }
    print("  exact: \(identical) of \(queries) queries identical to the Float32 scan (ids, order, scores; top 10)")
    guard identical == queries else { throw BenchError(description: "the stored compact search is not exact") }
}
