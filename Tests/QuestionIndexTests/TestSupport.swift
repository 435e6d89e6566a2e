import Foundation
import GRDB
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
