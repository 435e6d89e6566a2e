import Foundation
import GRDB
import GRDBSQLite
import ScanKernels

/// The compact copy of a model's embeddings (`QuantizedEmbeddings`), kept in `compact_chunk` (migration 0011) so
/// that a search loads it with a few BLOB reads and fetches only its candidates' Float32 rows.
///
/// Chunks go stale by triggers whenever an embedding in their range changes; readers never use a stale chunk
/// (they read and quantize that range's Float32 rows, as for the tail of rows appended after the last chunk), so
/// the copy read is always exactly the embedding table's, refreshed or not. `refreshCompactChunks` makes reading
/// fast again.
extension QuestionStore {
    /// Rows per chunk written by `refreshCompactChunks` by default: 4 MiB of codes at d = 128.
    package static let compactChunkRows = 32_768
    /// The largest chunk a reader accepts (a bound checked before anything is allocated by a stored count).
    static let maximumCompactChunkRows = 1 << 20

    /// What one `refreshCompactChunks` call changed.
    package struct CompactChunkRefresh: Sendable, Equatable {
        /// Chunks deleted: stale ones, and a partly filled last chunk rewritten with the rows after it.
        package var deleted = 0
        /// Chunks written.
        package var written = 0
        /// Rows in the chunks written.
        package var rowsWritten = 0
    }

    /// Brings the model's compact chunks in step with its embeddings, in one write transaction: rebuilds stale
    /// chunks, and packs every row that no chunk covers (the tail appended by `index`, rows inserted between
    /// chunks) into chunks of `chunkRows` rows; only the last chunk may hold fewer, and it takes in the next rows
    /// on the next refresh. Idempotent: a second call changes nothing.
    /// - Parameter chunkRows: rows per chunk (tests use small ones), 1 … 1,048,576.
    /// - Returns: what changed.
    /// - Throws: `IndexError.modelIDNotFound`; `.corruptValue`/`.corruptEmbedding` for a stored value that
    ///   cannot be right (nothing is changed then).
    /// - Complexity: O(R · d) for the R rows of the chunks it writes.
    @discardableResult
    package func refreshCompactChunks(modelID: Int64, chunkRows: Int = compactChunkRows)
        throws(IndexError) -> CompactChunkRefresh
    {
        precondition((1...Self.maximumCompactChunkRows).contains(chunkRows), "chunkRows out of range")
        let path = self.path
        return try write { db in
            let (modelName, d) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            let context = CompactReadContext(db: db, path: path, modelID: modelID, modelName: modelName, dimension: d)
            var chunks = try context.chunks()
            var refresh = CompactChunkRefresh()
            try db.execute(sql: "DELETE FROM compact_chunk WHERE model_id = ? AND stale = 1", arguments: [modelID])
            refresh.deleted += db.changesCount
            chunks.removeAll(where: \.stale)
            // A partly filled last chunk is rewritten together with the rows appended after it.
            if let last = chunks.last, last.rowCount < chunkRows, last.lastID < Int64.max,
               try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM embedding WHERE model_id = ? AND question_id > ?)",
                                 arguments: [modelID, last.lastID]) ?? false {
                try db.execute(sql: "DELETE FROM compact_chunk WHERE id = ?", arguments: [last.id])
                refresh.deleted += 1
                chunks.removeLast()
            }
            let writer = CompactChunkWriter(db: db, modelID: modelID, dimension: d)
            var rows = CompactRows(dimension: d)
            for range in Self.uncoveredRanges(between: chunks) {
                // Chunks of `chunkRows` rows in id order; the range's last one may be smaller.
                try context.forEachEmbedding(in: range) { id, vector in
                    rows.append(id, vector)
                    if rows.count == chunkRows {
                        try writer.write(rows)
                        refresh.written += 1
                        refresh.rowsWritten += rows.count
                        rows.removeAll()
                    }
                }
                if rows.count > 0 {
                    try writer.write(rows)
                    refresh.written += 1
                    refresh.rowsWritten += rows.count
                    rows.removeAll()
                }
            }
            return refresh
        }
    }

    /// Runs `body` in one read transaction (one snapshot of the database) with the model's compact copy and
    /// access to its Float32 rows in that same snapshot, so that a search's first pass and its exact re-score see
    /// the same rows.
    ///
    /// The copy comes from the fresh chunks, and from the Float32 rows of stale chunks and of ids no chunk
    /// covers (quantized on the fly): it always holds exactly the model's stored embeddings. `reusing` is a copy
    /// from an earlier call on this store: it is used again when nothing was written to the database since
    /// (SQLite's data version and this connection's change count), and read anew otherwise.
    /// - Throws: `IndexError.modelIDNotFound`; `.corruptValue` for a chunk or row that cannot be right (bad
    ///   sizes, ids out of order or outside the chunk's range, non-finite bounds); `.corruptEmbedding` for a
    ///   Float32 vector of the wrong size; whatever `body` throws.
    /// - Complexity: O(N · d) bytes copied for N rows when the copy is read; O(S · d) more to quantize the S rows
    ///   not in fresh chunks.
    package func withCompactSnapshot<T>(modelID: Int64, reusing cached: CompactEmbeddings? = nil,
                                       _ body: (CompactSnapshot) throws -> T) throws(IndexError) -> T {
        let path = self.path, store = ObjectIdentifier(self)
        return try read { db in
            let version = try CompactEmbeddings.Version(db, store: store, path: path)
            let (modelName, d) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            let context = CompactReadContext(db: db, path: path, modelID: modelID, modelName: modelName, dimension: d)
            let embeddings: CompactEmbeddings
            if let cached, cached.modelID == modelID, cached.version == version, cached.compact.dimension == d {
                embeddings = cached
            } else {
                embeddings = try context.compactEmbeddings(version: version)
            }
            return try body(CompactSnapshot(embeddings: embeddings, context: context))
        }
    }

    /// The model `name` with its compact copy (`loadModel(name:with:)`: reloaded when a swap removes the model).
    func loadModelWithCompactCopy(name: String?) throws(IndexError)
        -> (model: StoredModel, compact: CompactEmbeddings)
    {
        let (model, compact) = try loadModel(name: name) { (id) throws(IndexError) in try compactEmbeddings(modelID: id) }
        return (model, compact)
    }

    /// The model's compact copy, read in one transaction (`withCompactSnapshot`).
    package func compactEmbeddings(modelID: Int64) throws(IndexError) -> CompactEmbeddings {
        try withCompactSnapshot(modelID: modelID) { $0.embeddings }
    }

    /// The id ranges (inclusive) that no chunk of `chunks` (fresh, ordered, not overlapping) covers.
    static func uncoveredRanges(between chunks: [CompactChunkInfo]) -> [ClosedRange<Int64>] {
        gaps(around: chunks).compactMap { $0 }
    }

    /// The uncovered range before each chunk of `chunks` and after the last (chunks.count + 1 of them, nil where
    /// two chunks are adjacent).
    static func gaps(around chunks: [CompactChunkInfo]) -> [ClosedRange<Int64>?] {
        var gaps: [ClosedRange<Int64>?] = []
        var next: Int64? = Int64.min  // the smallest id not yet covered; nil past Int64.max
        for chunk in chunks {
            if let low = next, low < chunk.firstID { gaps.append(low...(chunk.firstID - 1)) } else { gaps.append(nil) }
            next = chunk.lastID == Int64.max ? nil : chunk.lastID + 1
        }
        gaps.append(next.map { $0...Int64.max })
        return gaps
    }
}

/// Asks Linux to back a large fresh buffer with 2 MiB pages where it can (transparent huge pages, which this
/// kernel setting grants on request): filling 128 MiB then takes ~64 page faults instead of ~32,000, a large
/// part of the load's time. A hint only: elsewhere, or when refused, nothing changes.
private func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 1 << 21
    guard let base = buffer.baseAddress, buffer.count >= 2 * huge else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
}

/// A chunk's metadata, checked.
struct CompactChunkInfo {
    let id: Int64
    let firstID: Int64
    let lastID: Int64
    let rowCount: Int
    let stale: Bool
}

/// The reads of one transaction on one model's compact chunks and embeddings, every value checked.
struct CompactReadContext {
    let db: Database
    let path: String
    let modelID: Int64
    let modelName: String
    let dimension: Int

    private func corrupt(_ table: String, _ column: String, _ row: String, _ problem: String) -> IndexError {
        .corruptValue(path: path, table: table, column: column, row: row, problem: problem)
    }

    private func chunkName(_ id: Int64) -> String { "chunk \(id) of model \"\(modelName)\"" }

    /// The model's chunks by first id, checked: sane counts, ranges in order and not overlapping, and for each
    /// fresh chunk BLOBs of the sizes its count implies (checked by length, before any BLOB is read).
    func chunks() throws -> [CompactChunkInfo] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT c.id, c.first_question_id, c.last_question_id, c.row_count, c.stale,
                   d.chunk_id AS data_id, length(d.question_ids) AS id_bytes, length(d.codes) AS code_bytes,
                   length(d.scales) AS scale_bytes, length(d.errors) AS error_bytes, length(d.norms) AS norm_bytes,
                   typeof(d.question_ids) AS id_type, typeof(d.codes) AS code_type, typeof(d.scales) AS scale_type,
                   typeof(d.errors) AS error_type, typeof(d.norms) AS norm_type
            FROM compact_chunk c LEFT JOIN compact_chunk_data d ON d.chunk_id = c.id
            WHERE c.model_id = ? ORDER BY c.first_question_id
            """, arguments: [modelID])
        var chunks: [CompactChunkInfo] = []
        for fetched in rows {
            var row = StoredRow(fetched, table: "compact_chunk", name: "a chunk of model \"\(modelName)\"", path: path)
            let id = try row.integer("id")
            row.name = chunkName(id)
            let first = try row.integer("first_question_id"), last = try row.integer("last_question_id")
            let count = try row.integer("row_count", in: 1...QuestionStore.maximumCompactChunkRows)
            let stale = try row.integer("stale", in: 0...1) == 1
            guard first <= last, UInt64(bitPattern: last &- first) >= UInt64(count - 1) else {
                throw row.corrupt("row_count", "is \(count), more than the ids \(first) … \(last) can hold")
            }
            if let previous = chunks.last, first <= previous.lastID {
                throw row.corrupt("first_question_id", "is \(first), inside the range of chunk \(previous.id)")
            }
            if !stale {
                guard try row.optionalInteger("data_id") != nil else {
                    throw corrupt("compact_chunk_data", "chunk_id", row.name, "is missing")
                }
                let data = StoredRow(fetched, table: "compact_chunk_data", name: row.name, path: path)
                for (column, prefix, bytes) in [("question_ids", "id", 8), ("codes", "code", dimension),
                                                ("scales", "scale", 4), ("errors", "error", 4), ("norms", "norm", 4)] {
                    let type = try data.text(prefix + "_type")
                    guard type == "blob" else { throw data.corrupt(column, "is \(type), expected a BLOB") }
                    guard let found = try data.optionalInteger(prefix + "_bytes"), found == Int64(count * bytes) else {
                        throw data.corrupt(column, "does not hold \(IndexError.bytes(count * bytes)) "
                                           + "(row_count \(count) · \(bytes))")
                    }
                }
            }
            chunks.append(CompactChunkInfo(id: id, firstID: first, lastID: last, rowCount: count, stale: stale))
        }
        return chunks
    }

    /// The compact copy: fresh chunks' BLOBs, and every other row quantized from its Float32 vector.
    func compactEmbeddings(version: CompactEmbeddings.Version) throws -> CompactEmbeddings {
        let d = dimension
        let fresh = try chunks().filter { !$0.stale }
        // The rows no fresh chunk holds, quantized now: usually few (the tail, stale chunks).
        var loose: [CompactRows] = []
        for gap in QuestionStore.gaps(around: fresh) {
            var rows = CompactRows(dimension: d)
            if let gap { try forEachEmbedding(in: gap) { id, vector in rows.append(id, vector) } }
            loose.append(rows)
        }
        // loose[i] comes before fresh[i] in id order; loose has one more (after the last chunk).
        let total = fresh.reduce(0) { $0 + $1.rowCount } + loose.reduce(0) { $0 + $1.count }
        var ids = [Int64](repeating: 0, count: total)
        var scales = [Float](repeating: 0, count: total)
        var errors = [Float](repeating: 0, count: total)
        var norms = [Float](repeating: 0, count: total)
        // The largest array (total · d) is not zero-filled first: every byte is written below.
        let codes = try [Int8](unsafeUninitializedCapacity: total * d) { codes, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(codes))
            var row = 0
            func place(_ rows: CompactRows) {
                for i in 0..<rows.count { ids[row + i] = rows.ids[i] }
                rows.codes.withUnsafeBufferPointer { source in
                    if rows.count > 0 { (codes.baseAddress! + row * d).update(from: source.baseAddress!, count: rows.count * d) }
                }
                for i in 0..<rows.count {
                    scales[row + i] = rows.scales[i]; errors[row + i] = rows.errors[i]; norms[row + i] = rows.norms[i]
                }
                row += rows.count
            }
            let reader = try ChunkBlobReader(db, path: path)
            for (index, chunk) in fresh.enumerated() {
                place(loose[index])
                try readChunk(chunk, from: reader, row: row, ids: &ids, codes: codes,
                              scales: &scales, errors: &errors, norms: &norms)
                row += chunk.rowCount
            }
            if let last = loose.last { place(last) }
            precondition(row == total)
            initialized = total * d
        }
        return CompactEmbeddings(
            modelID: modelID, ids: ids,
            compact: QuantizedEmbeddings(dimension: d, codes: codes, scales: scales, errors: errors, norms: norms),
            chunkedRows: fresh.reduce(0) { $0 + $1.rowCount }, version: version)
    }

    /// Copies one fresh chunk's BLOBs to rows `row ..< row + count`, checking every value a scan relies on.
    private func readChunk(_ chunk: CompactChunkInfo, from reader: ChunkBlobReader, row: Int, ids: inout [Int64],
                           codes: UnsafeMutableBufferPointer<Int8>, scales: inout [Float], errors: inout [Float],
                           norms: inout [Float]) throws {
        let n = chunk.rowCount, d = dimension, name = chunkName(chunk.id)
        func read(_ column: String, into destination: UnsafeMutableRawPointer, bytes: Int) throws {
            guard let found = try reader.read(column, chunk: chunk.id, into: destination, bytes: bytes) else { return }
            throw corrupt("compact_chunk_data", column, name,
                          "has \(IndexError.bytes(found)), expected \(IndexError.bytes(bytes))")
        }
        try ids.withUnsafeMutableBufferPointer { ids in
            let target = ids.baseAddress! + row
            try read("question_ids", into: target, bytes: 8 * n)
            for i in 0..<n {
                let id = Int64(littleEndian: target[i])
                guard (i == 0 || id > target[i - 1]), id >= chunk.firstID, id <= chunk.lastID,
                      i > 0 || id == chunk.firstID, i < n - 1 || id == chunk.lastID else {
                    throw corrupt("compact_chunk_data", "question_ids", name,
                                  "has id \(id) at row \(i): not ascending within \(chunk.firstID) … \(chunk.lastID)")
                }
                target[i] = id
            }
        }
        let target = codes.baseAddress! + row * d
        try read("codes", into: target, bytes: n * d)
        // −128 is never written (codes are in −127 … 127) and would break the kernels' overflow bound.
        var smallest: Int8 = 0
        for i in 0..<(n * d) { smallest = min(smallest, target[i]) }
        guard smallest > Int8.min else {
            throw corrupt("compact_chunk_data", "codes", name, "has the code -128, outside -127 … 127")
        }
        func floats(_ column: String, into values: inout [Float], _ isValid: (Float) -> Bool) throws {
            try values.withUnsafeMutableBufferPointer { values in
                let target = values.baseAddress! + row
                try read(column, into: target, bytes: 4 * n)
                for i in 0..<n {
                    target[i] = Float(bitPattern: UInt32(littleEndian: target[i].bitPattern))
                    guard isValid(target[i]) else {
                        throw corrupt("compact_chunk_data", column, name, "has \(target[i]) at row \(i), not a valid bound")
                    }
                }
            }
        }
        try floats("scales", into: &scales) { $0.isFinite && $0 >= 0 }
        try floats("errors", into: &errors) { $0.isFinite && $0 >= 0 }
        // The norm bound of a stored unit vector is 1 within the store's tolerance (rounded up a little).
        try floats("norms", into: &norms) { abs($0 - 1) <= QuestionStore.unitNormTolerance + 1e-6 }
    }

    /// Calls `body` with each embedding of the model whose question id lies in `range`, by id, its vector
    /// checked (4 · d bytes, a finite unit vector). The vector is valid only during the call.
    func forEachEmbedding(in range: ClosedRange<Int64>,
                          _ body: (Int64, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let statement = try RawStatement(db, path: path, sql: """
            SELECT question_id, vector FROM embedding
            WHERE model_id = ? AND question_id BETWEEN ? AND ? ORDER BY question_id
            """)
        sqlite3_bind_int64(statement.handle, 1, modelID)
        sqlite3_bind_int64(statement.handle, 2, range.lowerBound)
        sqlite3_bind_int64(statement.handle, 3, range.upperBound)
        var vector = [Float](repeating: 0, count: dimension)
        while try statement.step() {
            let id = try decodeEmbedding(statement, into: &vector)
            try vector.withUnsafeBufferPointer { try body(id, $0) }
        }
    }

    /// The vectors of `sortedIDs` (ascending, distinct) that exist: one lookup per id, or one pass over the
    /// id range when there are many.
    func vectors(_ sortedIDs: [Int64]) throws -> EmbeddingMatrix {
        let d = dimension
        var ids: [Int64] = [], vectors: [Float] = []
        ids.reserveCapacity(sortedIDs.count)
        vectors.reserveCapacity(sortedIDs.count * d)
        guard let first = sortedIDs.first, let last = sortedIDs.last else {
            return EmbeddingMatrix(dimension: d, ids: [], vectors: [])
        }
        if sortedIDs.count <= 4096 {
            let statement = try RawStatement(db, path: path, sql: """
                SELECT question_id, vector FROM embedding WHERE model_id = ? AND question_id = ?
                """)
            var vector = [Float](repeating: 0, count: d)
            for id in sortedIDs {
                statement.reset()
                sqlite3_bind_int64(statement.handle, 1, modelID)
                sqlite3_bind_int64(statement.handle, 2, id)
                guard try statement.step() else { continue }
                ids.append(try decodeEmbedding(statement, into: &vector))
                vectors.append(contentsOf: vector)
            }
        } else {
            var next = 0
            try forEachEmbedding(in: first...last) { id, vector in
                while next < sortedIDs.count && sortedIDs[next] < id { next += 1 }
                guard next < sortedIDs.count, sortedIDs[next] == id else { return }
                ids.append(id)
                vectors.append(contentsOf: vector)
            }
        }
        return EmbeddingMatrix(dimension: d, ids: ids, vectors: vectors)
    }

    /// The current row's question id, with its vector decoded into `vector` and checked.
    private func decodeEmbedding(_ statement: RawStatement, into vector: inout [Float]) throws -> Int64 {
        let handle = statement.handle, d = dimension
        let questionID = sqlite3_column_int64(handle, 0)
        guard sqlite3_column_type(handle, 0) == SQLITE_INTEGER, sqlite3_column_type(handle, 1) == SQLITE_BLOB else {
            throw corrupt("embedding", "question_id, vector", "a row of model \"\(modelName)\"",
                          "are not an integer and a BLOB")
        }
        let blob = sqlite3_column_blob(handle, 1)
        let bytes = Int(sqlite3_column_bytes(handle, 1))
        guard bytes == 4 * d, let blob else {
            throw IndexError.corruptEmbedding(path: path, model: modelName, questionID: questionID, bytes: bytes,
                                              expected: 4 * d)
        }
        try vector.withUnsafeMutableBufferPointer { vector in
            FloatBlob.decode(blob, count: d, into: vector.baseAddress!)
            let norm = QuestionStore.norm(UnsafeBufferPointer(vector))
            guard abs(norm - 1) <= QuestionStore.unitNormTolerance else {
                throw corrupt("embedding", "vector", "question \(questionID) of model \"\(modelName)\"",
                              "is not a unit vector (norm \(norm))")
            }
        }
        return questionID
    }
}

/// Rows quantized as `QuantizedEmbeddings` keeps them, gathered for one chunk (or one range of loose rows).
struct CompactRows {
    let dimension: Int
    var ids: [Int64] = []
    var codes: [Int8] = []
    var scales: [Float] = []
    var errors: [Float] = []
    var norms: [Float] = []

    init(dimension: Int) { self.dimension = dimension }

    var count: Int { ids.count }

    /// Quantizes and appends one row (`sk_quantize_rows_int8`, as `QuantizedEmbeddings` does).
    mutating func append(_ id: Int64, _ vector: UnsafeBufferPointer<Float>) {
        let d = dimension
        ids.append(id)
        codes.append(contentsOf: repeatElement(0, count: d))
        scales.append(0); errors.append(0); norms.append(0)
        let row = ids.count - 1
        codes.withUnsafeMutableBufferPointer { codes in
            scales.withUnsafeMutableBufferPointer { scales in
                errors.withUnsafeMutableBufferPointer { errors in
                    norms.withUnsafeMutableBufferPointer { norms in
                        sk_quantize_rows_int8(vector.baseAddress, 1, d, codes.baseAddress! + row * d,
                                              scales.baseAddress! + row, errors.baseAddress! + row,
                                              norms.baseAddress! + row)
                    }
                }
            }
        }
    }

    mutating func removeAll() {
        ids.removeAll(keepingCapacity: true)
        codes.removeAll(keepingCapacity: true)
        scales.removeAll(keepingCapacity: true)
        errors.removeAll(keepingCapacity: true)
        norms.removeAll(keepingCapacity: true)
    }
}

/// Writes chunks of one model.
struct CompactChunkWriter {
    let db: Database
    let modelID: Int64
    let dimension: Int

    /// Stores `rows` (ascending ids, at least one) as one fresh chunk.
    func write(_ rows: CompactRows) throws {
        guard let first = rows.ids.first, let last = rows.ids.last else { return }
        try db.execute(sql: """
            INSERT INTO compact_chunk (model_id, first_question_id, last_question_id, row_count) VALUES (?, ?, ?, ?)
            """, arguments: [modelID, first, last, rows.count])
        let chunkID = db.lastInsertedRowID
        let idBytes = rows.ids.map(\.littleEndian).withUnsafeBytes { Data($0) }
        let codeBytes = rows.codes.withUnsafeBytes { Data($0) }
        try db.execute(sql: """
            INSERT INTO compact_chunk_data (chunk_id, question_ids, codes, scales, errors, norms)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [chunkID, idBytes, codeBytes, FloatBlob.data(rows.scales), FloatBlob.data(rows.errors),
                             FloatBlob.data(rows.norms)])
    }
}
