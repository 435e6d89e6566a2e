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
                                       sideReader: Bool? = nil, _ body: (CompactSnapshot) throws -> T) throws(IndexError) -> T {
        let path = self.path, store = ObjectIdentifier(self)
        return try read { db in
            let version = try CompactEmbeddings.Version(db, store: store, path: path)
            let (modelName, d) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            let context = CompactReadContext(db: db, path: path, modelID: modelID, modelName: modelName, dimension: d)
            let embeddings: CompactEmbeddings
            if let cached, cached.modelID == modelID, cached.version == version, cached.compact.dimension == d {
                embeddings = cached
            } else {
                embeddings = try context.compactEmbeddings(version: version, sideReader: sideReader)
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
    /// - Parameter sideReader: whether a second connection copies part of the chunks on another thread (nil:
    ///   when the machine has several cores and the copy is large; the copy is the same either way).
    package func compactEmbeddings(modelID: Int64, sideReader: Bool? = nil) throws(IndexError) -> CompactEmbeddings {
        try withCompactSnapshot(modelID: modelID, sideReader: sideReader) { $0.embeddings }
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
    /// - Parameter sideReader: whether a second connection copies part of the chunks on another thread
    ///   (`SideChunkReader`; nil: when `QuestionStore.usesSideReader` and the chunks hold at least
    ///   `sideReaderMinimumRows` rows). It only ever makes the load faster: the copy is the same.
    func compactEmbeddings(version: CompactEmbeddings.Version, sideReader: Bool? = nil)
        throws -> CompactEmbeddings
    {
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
        var firstRows: [Int] = [], total = 0
        for (index, chunk) in fresh.enumerated() {
            total += loose[index].count
            firstRows.append(total)
            total += chunk.rowCount
        }
        total += loose.last?.count ?? 0
        // No array is zero-filled first: every row is written below (or the load fails and they are dropped).
        var ids: [Int64] = [], scales: [Float] = [], errors: [Float] = [], norms: [Float] = []
        let codes = try uninitializedArray(Int8.self, count: total * d) { codes in
            adviseHugePages(UnsafeMutableRawBufferPointer(start: codes, count: total * d))
            ids = try uninitializedArray(Int64.self, count: total) { ids in
                scales = try uninitializedArray(Float.self, count: total) { scales in
                    errors = try uninitializedArray(Float.self, count: total) { errors in
                        norms = try uninitializedArray(Float.self, count: total) { norms in
                            let rows = CompactDestination(ids: ids, codes: codes, scales: scales, errors: errors,
                                                          norms: norms, dimension: d)
                            var row = 0
                            for (index, part) in loose.enumerated() {
                                if index > 0 { row = firstRows[index - 1] + fresh[index - 1].rowCount }
                                rows.place(part, at: row)
                            }
                            try readChunks(fresh, at: firstRows, into: rows, sideReader: sideReader)
                        }
                    }
                }
            }
        }
        return CompactEmbeddings(
            modelID: modelID, ids: ids,
            compact: QuantizedEmbeddings(dimension: d, codes: codes, scales: scales, errors: errors, norms: norms),
            chunkedRows: fresh.reduce(0) { $0 + $1.rowCount }, version: version)
    }

    /// Copies the fresh `chunks` to their rows (`firstRows`), checking every value a scan relies on. With
    /// `sideReader`, a second connection (`SideChunkReader`) copies chunks from the back on another thread while
    /// this transaction copies from the front, each claiming the next one when done with its last, so a busy
    /// second core takes fewer. Whatever the side reader could not copy (or found wrong) is read here afterwards,
    /// so every error comes from this transaction.
    private func readChunks(_ chunks: [CompactChunkInfo], at firstRows: [Int], into rows: CompactDestination,
                            sideReader: Bool?) throws {
        let reader = try BlobReader(db, path: path)
        let total = chunks.reduce(0) { $0 + $1.rowCount }
        guard sideReader ?? (QuestionStore.usesSideReader && total >= QuestionStore.sideReaderMinimumRows),
              chunks.count >= 2,
              let file = db.sqliteConnection.flatMap({ sqlite3_db_filename($0, "main") }).map({ String(cString: $0) }),
              !file.isEmpty else {
            for index in chunks.indices { try readChunk(chunks[index], from: reader, row: firstRows[index], into: rows) }
            return
        }
        let claims = ChunkClaims(count: chunks.count)
        let side = SideChunkReader(file: file, chunks: chunks, firstRows: firstRows, rows: rows, claims: claims)
        let done = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: done) { side.run() }
        // On an error here, the side reader stops at its next claim; the buffers outlive it.
        defer { claims.stop(); done.wait() }
        while let index = claims.front() {
            try readChunk(chunks[index], from: reader, row: firstRows[index], into: rows)
        }
        done.wait()
        for index in side.claimedNotCopied {
            try readChunk(chunks[index], from: reader, row: firstRows[index], into: rows)
        }
    }

    /// Copies one fresh chunk's BLOBs to rows `row ..< row + count` and checks them.
    private func readChunk(_ chunk: CompactChunkInfo, from reader: BlobReader, row: Int,
                           into rows: CompactDestination) throws {
        let name = chunkName(chunk.id)
        if let (column, found, expected) = try rows.copy(chunk, at: row, from: reader) {
            throw corrupt("compact_chunk_data", column, name,
                          "has \(IndexError.bytes(found)), expected \(IndexError.bytes(expected))")
        }
        if let (column, problem) = rows.check(chunk, at: row) {
            throw corrupt("compact_chunk_data", column, name, problem)
        }
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

extension QuestionStore {
    /// Whether loads of a compact copy use a second connection on another thread (`SideChunkReader`): on a
    /// machine with more than one core.
    static let usesSideReader = ProcessInfo.processInfo.activeProcessorCount > 1
    /// The fewest chunked rows worth a second connection (opening one costs about a millisecond).
    static let sideReaderMinimumRows = 65_536
}

/// Where a compact copy's rows go while it is read: the base of each of its arrays, all `count` rows long.
/// Shared by two threads only over disjoint rows.
struct CompactDestination: @unchecked Sendable {
    let ids: UnsafeMutablePointer<Int64>?
    let codes: UnsafeMutablePointer<Int8>?
    let scales: UnsafeMutablePointer<Float>?
    let errors: UnsafeMutablePointer<Float>?
    let norms: UnsafeMutablePointer<Float>?
    let dimension: Int

    /// Writes `rows` (quantized on the fly) from row `row` on.
    func place(_ rows: CompactRows, at row: Int) {
        guard rows.count > 0, let ids, let codes, let scales, let errors, let norms else { return }
        rows.ids.withUnsafeBufferPointer { (ids + row).update(from: $0.baseAddress!, count: rows.count) }
        rows.codes.withUnsafeBufferPointer { (codes + row * dimension).update(from: $0.baseAddress!, count: $0.count) }
        rows.scales.withUnsafeBufferPointer { (scales + row).update(from: $0.baseAddress!, count: rows.count) }
        rows.errors.withUnsafeBufferPointer { (errors + row).update(from: $0.baseAddress!, count: rows.count) }
        rows.norms.withUnsafeBufferPointer { (norms + row).update(from: $0.baseAddress!, count: rows.count) }
    }

    /// Copies `chunk`'s five BLOBs from `reader` to rows `row ..< row + chunk.rowCount`.
    /// - Returns: nil when copied; else the column whose BLOB has another size, its size and the size expected.
    func copy(_ chunk: CompactChunkInfo, at row: Int, from reader: BlobReader) throws
        -> (column: String, found: Int, expected: Int)?
    {
        let n = chunk.rowCount
        guard let ids, let codes, let scales, let errors, let norms else { return nil }
        for (column, target, bytes) in [("question_ids", UnsafeMutableRawPointer(ids + row), 8 * n),
                                         ("codes", UnsafeMutableRawPointer(codes + row * dimension), n * dimension),
                                         ("scales", UnsafeMutableRawPointer(scales + row), 4 * n),
                                         ("errors", UnsafeMutableRawPointer(errors + row), 4 * n),
                                         ("norms", UnsafeMutableRawPointer(norms + row), 4 * n)] {
            if let found = try reader.read(column, row: chunk.id, into: target, bytes: bytes) {
                return (column, found, bytes)
            }
        }
        return nil
    }

    /// Checks (and brings to this machine's byte order) the rows of `chunk` copied at `row`: ids ascending from
    /// the chunk's first id to its last, no code −128 (it would break the kernels' int32 bound), scales and
    /// errors finite and ≥ 0, norm bounds 1 within the store's tolerance.
    /// - Returns: nil when every value is right; else the column and the problem.
    func check(_ chunk: CompactChunkInfo, at row: Int) -> (column: String, problem: String)? {
        let n = chunk.rowCount
        guard let ids, let codes, let scales, let errors, let norms else { return nil }
        let chunkIDs = ids + row
        for i in 0..<n {
            let id = Int64(littleEndian: chunkIDs[i])
            guard (i == 0 || id > chunkIDs[i - 1]), id >= chunk.firstID, id <= chunk.lastID,
                  i > 0 || id == chunk.firstID, i < n - 1 || id == chunk.lastID else {
                return ("question_ids", "has id \(id) at row \(i): not ascending within \(chunk.firstID) … \(chunk.lastID)")
            }
            chunkIDs[i] = id
        }
        let chunkCodes = codes + row * dimension
        var smallest: Int8 = 0
        for i in 0..<(n * dimension) { smallest = min(smallest, chunkCodes[i]) }
        guard smallest > Int8.min else { return ("codes", "has the code -128, outside -127 … 127") }
        for (column, values, isValid) in [("scales", scales + row, { (x: Float) in x.isFinite && x >= 0 }),
                                          ("errors", errors + row, { (x: Float) in x.isFinite && x >= 0 }),
                                          // A stored unit vector's norm bound is 1 within the tolerance (rounded up).
                                          ("norms", norms + row,
                                           { (x: Float) in abs(x - 1) <= QuestionStore.unitNormTolerance + 1e-6 })] {
            for i in 0..<n {
                values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern))
                guard isValid(values[i]) else { return (column, "has \(values[i]) at row \(i), not a valid bound") }
            }
        }
        return nil
    }
}

/// The chunks of one load not yet claimed: the loading transaction takes them from the front, the side reader
/// from the back, until they meet.
final class ChunkClaims: @unchecked Sendable {
    private let lock = NSLock()
    private var next: Int
    private var end: Int

    init(count: Int) {
        next = 0
        end = count
    }

    /// The first unclaimed chunk, now claimed; nil when none is left.
    func front() -> Int? {
        lock.withLock {
            guard next < end else { return nil }
            next += 1
            return next - 1
        }
    }

    /// The last unclaimed chunk, now claimed; nil when none is left.
    func back() -> Int? {
        lock.withLock {
            guard next < end else { return nil }
            end -= 1
            return end
        }
    }

    /// Leaves nothing more to claim.
    func stop() { lock.withLock { end = next } }
}

/// Copies chunks of a load on a second, read-only connection, on another thread, while the loading transaction
/// copies others: the kernel's page copies and page faults, most of a load's time, then run on two cores.
///
/// Its snapshot may be newer than the loading transaction's, which is safe because a chunk id names one content
/// forever (migration 0014: ids never reused, data rows never updated): chunk X's BLOBs, wherever they still
/// exist, are those the loading transaction would read. A chunk it cannot copy (deleted since, another size,
/// a value that fails the checks, a connection that does not open) is left to the loading transaction, which
/// reads it afterwards and reports any error: this reader can only make a load faster, never different.
final class SideChunkReader: @unchecked Sendable {
    private let file: String
    private let chunks: [CompactChunkInfo]
    private let firstRows: [Int]
    private let rows: CompactDestination
    private let claims: ChunkClaims
    /// The chunks it claimed and could not copy, for the loading transaction; read after `run` returns.
    private(set) var claimedNotCopied: [Int] = []

    init(file: String, chunks: [CompactChunkInfo], firstRows: [Int], rows: CompactDestination, claims: ChunkClaims) {
        self.file = file
        self.chunks = chunks
        self.firstRows = firstRows
        self.rows = rows
        self.claims = claims
    }

    /// Claims and copies chunks from the back, in one read transaction of its own.
    func run() {
        var handle: OpaquePointer?
        // SQLite's own mutex is not needed: this connection is used by this thread only.
        if sqlite3_open_v2(file, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
           let connection = handle {
            sqlite3_busy_timeout(connection, 1000)
            if sqlite3_exec(connection, "BEGIN", nil, nil, nil) == SQLITE_OK {
                copy(with: BlobReader(connection: connection, path: file))
                sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
            }
        }
        // close_v2: the connection goes once the reader's BLOB handles are closed (the reader is released above).
        sqlite3_close_v2(handle)
        // Claimed before the connection failed, or never opened: none here, the front takes the rest.
    }

    private func copy(with reader: BlobReader) {
        while let index = claims.back() {
            // Copied when the read succeeds and finds every BLOB of the expected size (`copy` returns nil).
            guard case .some(.none) = try? rows.copy(chunks[index], at: firstRows[index], from: reader),
                  rows.check(chunks[index], at: firstRows[index]) == nil else { claimedNotCopied.append(index); continue }
        }
    }
}
