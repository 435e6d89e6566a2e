import Foundation
import GRDB
import ScanKernels
import SiameseNet
@testable import QuestionIndex

/// Runs `body` with a fresh temporary directory, removed afterwards: no test touches a fixed path.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appending(path: "QuestionIndexTests-\(UUID().uuidString)", directoryHint: .isDirectory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Runs `body` with a new read-write store in a temporary directory.
func withStore<T>(_ body: (QuestionStore, String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
        return try body(try QuestionStore(path: path, mode: .readWrite), path)
    }
}

/// A second, raw GRDB connection to a store's file, to inspect or tamper with it.
func rawDatabase(_ path: String) throws -> DatabaseQueue {
    try DatabaseQueue(path: path)
}

/// A small untrained model: d = 4, a dozen words.
func tinyModel(seed: UInt64 = 7, dimension: Int = 4) -> SiameseModel {
    var config = ModelConfig()
    config.dimension = dimension
    config.maxTokens = 8
    config.seed = seed
    let corpus = [["how", "do", "i", "reset", "my", "password"], ["what", "is", "a", "password"],
                  ["how", "to", "cook", "rice"]]
    return SiameseModel(config: config, vocabulary: Vocabulary(building: corpus))
}

/// Every pair of rows of `matrix` whose score is ≥ `threshold`, by brute force over the exact dot product
/// (`sk_dot_f32`, portable path), sorted as the pair scan reports them. `scoring` turns a pair's rows and
/// cosine into its score (the cosine itself by default).
func bruteForcePairs(in matrix: EmbeddingMatrix, threshold: Float,
                     scoring: (_ row1: Int, _ row2: Int, _ cosine: Float) -> Float = { $2 }) -> [ScoredPair] {
    var pairs: [ScoredPair] = []
    let d = matrix.dimension
    matrix.vectors.withUnsafeBufferPointer { x in
        for i in 0..<matrix.count {
            for j in (i + 1)..<matrix.count {
                let cosine = sk_dot_f32(ScanPath.portable.kernelPath, x.baseAddress! + i * d, x.baseAddress! + j * d, d)
                let score = scoring(i, j, cosine)
                if score >= threshold { pairs.append(ScoredPair(id1: matrix.ids[i], id2: matrix.ids[j], score: score)) }
            }
        }
    }
    return pairs.sorted(by: ScoredPair.precedes)
}

/// Saves `tinyModel()` as model "faq" (one epoch, pair threshold 0.5, a calibration record without a dedup
/// threshold) and stores `texts` as questions embedded with it: the setting of the dedup settings tests.
func saveEmbeddedTinyModel(in store: QuestionStore, texts: [String]) throws
    -> (id: Int64, model: SiameseModel, calibration: ModelCalibration) {
    let record = TrainingEpochRecord(epoch: 1, loss: 0.5, pairsPerSecond: 100, seconds: 1)
    let calibration = ModelCalibration(pairs: "dev", source: "dev.tsv", pairCount: 10, accuracy: 0.7,
                                       keptEpoch: 1, selectedBy: "ROC-AUC", selectionValue: 0.8)
    let model = tinyModel()
    let id = try store.saveEpoch(name: "faq", model: model, epoch: record, threshold: 0.5, calibration: calibration)
    let ids = try store.addQuestions(texts.map { ($0, nil) }, source: "test").added
    try store.storeEmbeddings(modelID: id, questionIDs: ids, vectors: model.encode(texts))
    return (id, model, calibration)
}

/// Every row of every table (and the schema itself), to compare a database before and after an operation.
func snapshot(_ path: String) throws -> [String: [Row]] {
    try rawDatabase(path).read { db in
        var tables: [String: [Row]] = [:]
        tables["sqlite_master"] = try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY name")
        tables["grdb_migrations"] = try Row.fetchAll(db, sql: "SELECT * FROM grdb_migrations ORDER BY 1")
        for table in ["model", "vocabulary", "weight", "training_epoch", "question", "question_entry", "embedding"] {
            tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2")
        }
        return tables
    }
}

/// `count` random unit vectors of width `dimension`, [count, dimension] row-major.
func randomUnitVectors(count: Int, dimension: Int, using random: inout SeededGenerator) -> [Float] {
    var vectors: [Float] = []
    vectors.reserveCapacity(count * dimension)
    for _ in 0..<count {
        var row = (0..<dimension).map { _ in random.nextGaussian() }
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm == 0 { row[0] = 1 } else { row = row.map { $0 / norm } }
        vectors += row
    }
    return vectors
}
