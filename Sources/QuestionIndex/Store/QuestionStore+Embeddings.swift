import Foundation
import GRDB
import GRDBSQLite
import SiameseNet

/// Embeddings: the unit vectors of questions under one model, written in batches and read in bulk.
extension QuestionStore {
    /// Largest allowed |‖v‖ − 1| for a stored embedding.
    static let unitNormTolerance: Float = 1e-3

    /// Stores (or replaces) embeddings for the model `modelID` in one transaction.
    /// - Parameters:
    ///   - questionIDs: the questions, one per row of `vectors`.
    ///   - vectors: [questionIDs.count, d] row-major unit vectors, as `SiameseModel.encode` returns them.
    /// - Throws: `IndexError.modelIDNotFound`, `.embeddingBlockSize` when `vectors` is not questionIDs.count · d,
    ///   `.embeddingNotUnit` when a row's norm is off by more than `unitNormTolerance` (or not finite),
    ///   `.questionNotFound` for an unknown question. Nothing is stored when any of them fails.
    package func storeEmbeddings(modelID: Int64, questionIDs: [Int64], vectors: [Float]) throws(IndexError) {
        let path = self.path
        try write { db in
            let (modelName, d) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            guard vectors.count == questionIDs.count * d else {
                throw IndexError.embeddingBlockSize(model: modelName, questions: questionIDs.count,
                                                   values: vectors.count, dimension: d)
            }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO embedding (model_id, question_id, vector) VALUES (?, ?, ?)
                ON CONFLICT (model_id, question_id) DO UPDATE SET vector = excluded.vector
                """)
            try vectors.withUnsafeBufferPointer { all in
                for (row, questionID) in questionIDs.enumerated() {
                    let vector = UnsafeBufferPointer(rebasing: all[(row * d)..<((row + 1) * d)])
                    let norm = Self.norm(vector)
                    guard abs(norm - 1) <= Self.unitNormTolerance else {
                        throw IndexError.embeddingNotUnit(model: modelName, questionID: questionID, norm: norm)
                    }
                    do {
                        try insert.execute(arguments: [modelID, questionID, FloatBlob.data(vector)])
                    } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                        throw IndexError.questionNotFound(path: path, id: questionID)
                    }
                }
            }
        }
    }

    /// Stores (or replaces) embeddings given one vector per question; see `storeEmbeddings(modelID:questionIDs:vectors:)`.
    package func storeEmbeddings(modelID: Int64, _ embeddings: [(questionID: Int64, vector: [Float])]) throws(IndexError) {
        let path = self.path
        let (name, d) = try read { db in try Self.modelNameAndDimension(db, id: modelID, path: path) }
        // Checked here, where each vector is separate, so that the error names the question.
        if let bad = embeddings.first(where: { $0.vector.count != d }) {
            throw IndexError.embeddingSize(model: name, questionID: bad.questionID, found: bad.vector.count, expected: d)
        }
        try storeEmbeddings(modelID: modelID, questionIDs: embeddings.map(\.questionID),
                            vectors: embeddings.flatMap(\.vector))
    }

    /// Deletes every embedding of the model, before re-embedding the questions.
    /// - Returns: how many were deleted.
    @discardableResult
    func deleteEmbeddings(modelID: Int64) throws(IndexError) -> Int {
        let path = self.path
        return try write { db in
            try Self.requireModel(db, id: modelID, path: path)
            try db.execute(sql: "DELETE FROM embedding WHERE model_id = ?", arguments: [modelID])
            return db.changesCount
        }
    }

    /// Reads every embedding of the model into one contiguous matrix, rows ordered by question id.
    ///
    /// Uses a raw prepared statement on GRDB's connection (inside GRDB's read transaction, so the count and
    /// the rows are one snapshot): it copies each BLOB straight into the matrix, about twice as fast as a GRDB
    /// row cursor.
    /// - Throws: `IndexError.modelIDNotFound`, `.corruptEmbedding` for a BLOB that is not 4 · d bytes,
    ///   `.corruptValue` for a value that is not a BLOB or a vector that is not a finite unit vector.
    /// - Complexity: O(N · d) for N embeddings.
    public func embeddingMatrix(modelID: Int64) throws(IndexError) -> EmbeddingMatrix {
        let path = self.path
        return try read { db in
            let (modelName, d) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM embedding WHERE model_id = ?",
                                         arguments: [modelID]) ?? 0
            guard let connection = db.sqliteConnection else {
                throw IndexError.database(path: path, message: "the connection is closed")
            }
            var statement: OpaquePointer?
            let sql = "SELECT question_id, vector FROM embedding WHERE model_id = ? ORDER BY question_id"
            guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
            }
            defer { sqlite3_finalize(statement) }
            sqlite3_bind_int64(statement, 1, modelID)
            // Neither array is zero-filled first (512 MB at 1M rows): every row is written below, or the read fails.
            var ids: [Int64] = []
            let vectors = try uninitializedArray(Float.self, count: count * d) { vectors in  // [count, d]
                let buffer = UnsafeMutableRawBufferPointer(start: vectors, count: 4 * count * d)
                adviseHugePages(buffer)
                let prefault = BackgroundPrefault(buffer)
                defer { prefault.finish() }
                ids = try uninitializedArray(Int64.self, count: count) { ids in
                    var rows = 0
                    while true {
                        let code = sqlite3_step(statement)
                        if code == SQLITE_DONE { break }
                        guard code == SQLITE_ROW else {
                            throw IndexError.database(path: path, message: String(cString: sqlite3_errmsg(connection)))
                        }
                        guard rows < count, let ids, let target = vectors else { break }
                        let questionID = sqlite3_column_int64(statement, 0)
                        guard sqlite3_column_type(statement, 0) == SQLITE_INTEGER,
                              sqlite3_column_type(statement, 1) == SQLITE_BLOB else {
                            throw IndexError.corruptValue(
                                path: path, table: "embedding", column: "question_id, vector",
                                row: "a row of model \"\(modelName)\"", problem: "are not an integer and a BLOB")
                        }
                        // column_blob before column_bytes, as SQLite documents.
                        let blob = sqlite3_column_blob(statement, 1)
                        let bytes = Int(sqlite3_column_bytes(statement, 1))
                        guard bytes == 4 * d, let blob else {
                            throw IndexError.corruptEmbedding(path: path, model: modelName, questionID: questionID,
                                                              bytes: bytes, expected: 4 * d)
                        }
                        FloatBlob.decode(blob, count: d, into: target + rows * d)
                        // A vector that is not a finite unit vector would give scores that are not cosines.
                        let norm = Self.norm(UnsafeBufferPointer(start: target + rows * d, count: d))
                        guard abs(norm - 1) <= Self.unitNormTolerance else {
                            throw IndexError.corruptValue(
                                path: path, table: "embedding", column: "vector",
                                row: "question \(questionID) of model \"\(modelName)\"",
                                problem: "is not a unit vector (norm \(norm))")
                        }
                        ids[rows] = questionID
                        rows += 1
                    }
                    guard rows == count else {
                        throw IndexError.database(path: path, message: "embeddings changed while they were read")
                    }
                }
            }
            return EmbeddingMatrix(dimension: d, ids: ids, vectors: vectors)
        }
    }

    static func modelNameAndDimension(_ db: Database, id: Int64, path: String) throws -> (name: String, dimension: Int) {
        guard let fetched = try Row.fetchOne(db, sql: "SELECT name, dimension FROM model WHERE id = ?", arguments: [id])
        else { throw IndexError.modelIDNotFound(path: path, id: id) }
        let row = StoredRow(fetched, table: "model", name: "model id \(id)", path: path)
        return (try row.text("name"), try row.integer("dimension", in: 1...ModelConfig.maximumDimension))
    }

    /// The L2 norm, accumulated in Double; NaN or infinite when a value is not finite.
    /// (Eight Double lanes: a sequential Double sum does not vectorize, and every vector read is checked.)
    static func norm(_ vector: UnsafeBufferPointer<Float>) -> Float {
        guard let base = vector.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base), whole = vector.count / 8 * 8
        var lanes = SIMD8<Double>(repeating: 0)
        var i = 0
        while i < whole {
            let values = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            lanes += values * values
            i += 8
        }
        var sum = lanes.sum()
        while i < vector.count {
            sum += Double(vector[i]) * Double(vector[i])
            i += 1
        }
        return Float(sum.squareRoot())
    }
}
