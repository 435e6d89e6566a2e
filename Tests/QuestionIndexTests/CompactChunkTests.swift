import Foundation
import GRDB
import SiameseNet
import Testing
@testable import QuestionIndex

/// The compact copy stored in SQLite (`compact_chunk`, `QuestionStore+CompactChunks`): searches over it equal the
/// Float32 scan, whether the chunks are fresh, stale or missing (tail); staleness is kept by the database's own
/// triggers; corrupt chunks are clear errors.
@Suite struct CompactChunkTests {
    /// A store with one model of width `dimension` and `count` questions, not embedded yet.
    private struct Fixture {
        let store: QuestionStore
        let path: String
        let modelID: Int64
        let ids: [Int64]
        let dimension: Int
    }

    private func withFixture<T>(count: Int, dimension: Int, _ body: (Fixture) throws -> T) throws -> T {
        try withStore { store, path in
            let modelID = try store.saveModel(name: "m", model: tinyModel(dimension: dimension))
            let ids = try addQuestions(store, count: count, from: 0)
            return try body(Fixture(store: store, path: path, modelID: modelID, ids: ids, dimension: dimension))
        }
    }

    private func addQuestions(_ store: QuestionStore, count: Int, from first: Int) throws -> [Int64] {
        try store.addQuestions((first..<(first + count)).map { (text: "question \($0)", externalID: nil) },
                               source: "test").added
    }

    private func normalized(_ row: [Float]) -> [Float] {
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return row.map { $0 / norm }
    }

    /// `count` unit rows in a few tight clusters, with planted exact duplicates (ties) and one-ulp near-ties.
    private func clusteredRows(count: Int, dimension d: Int, using random: inout SeededGenerator) -> [[Float]] {
        let centres = (0..<4).map { _ in normalized((0..<d).map { _ in random.nextGaussian() }) }
        var rows: [[Float]] = []
        while rows.count < count {
            let row = normalized(centres[Int(random.next() % 4)].map { $0 + 0.05 * random.nextGaussian() })
            rows.append(row)
            switch random.next() % 6 {
            case 0: rows.append(row)  // an exact duplicate under another id: a tie
            case 1:  // a near-tie: one value one ulp away
                var tie = row
                let i = Int(random.next() % UInt64(d))
                tie[i] = random.next() % 2 == 0 ? tie[i].nextUp : tie[i].nextDown
                rows.append(tie)
            default: break
            }
        }
        return Array(rows.prefix(count))
    }

    /// Queries: random, a stored row (its duplicates tie), a stored row moved slightly, a cluster-ish mean.
    private func queries(from rows: [[Float]], using random: inout SeededGenerator) -> [[Float]] {
        let d = rows[0].count
        let stored = rows[Int(random.next() % UInt64(rows.count))]
        return [
            normalized((0..<d).map { _ in random.nextGaussian() }),
            stored,
            normalized(stored.map { $0 + 1e-3 * random.nextGaussian() }),
            normalized(rows.prefix(20).reduce(into: [Float](repeating: 0, count: d)) { sum, row in
                for j in 0..<d { sum[j] += row[j] }
            }),
        ]
    }

    /// Checks that searching the stored compact copy gives exactly the Float32 scan's hits, query by query and
    /// as one block, for several k.
    private func expectExact(_ fixture: Fixture, _ queries: [[Float]], ks: [Int],
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let matrix = try fixture.store.embeddingMatrix(modelID: fixture.modelID)
        for k in ks {
            let (single, block) = try fixture.store.withCompactSnapshot(modelID: fixture.modelID) { snapshot in
                (try queries.map { try snapshot.search(queries: $0, k: k)[0] },
                 try snapshot.search(queries: Array(queries.joined()), k: k))
            }
            for (index, query) in queries.enumerated() {
                let expected = matrix.search(query, k: k)
                #expect(single[index] == expected, "query \(index), k \(k)", sourceLocation: sourceLocation)
                #expect(block[index] == expected, "block query \(index), k \(k)", sourceLocation: sourceLocation)
            }
        }
    }

    private func chunkRows(_ path: String) throws -> [(count: Int, stale: Bool)] {
        try rawDatabase(path).read { db in
            try Row.fetchAll(db, sql: "SELECT row_count, stale FROM compact_chunk ORDER BY first_question_id")
                .map { (count: $0["row_count"], stale: $0["stale"] == 1) }
        }
    }

    @Test(arguments: [(UInt64(1), 16), (2, 37), (3, 128)])
    func storedCompactSearchEqualsTheFloat32Scan(seed: UInt64, dimension: Int) throws {
        var random = SeededGenerator(seed: seed)
        try withFixture(count: 300, dimension: dimension) { fixture in
            let rows = clusteredRows(count: 300, dimension: dimension, using: &random)
            try fixture.store.storeEmbeddings(modelID: fixture.modelID, questionIDs: fixture.ids,
                                              vectors: Array(rows.joined()))
            let refresh = try fixture.store.refreshCompactChunks(modelID: fixture.modelID, chunkRows: 64)
            #expect(refresh == .init(deleted: 0, written: 5, rowsWritten: 300))
            #expect(try chunkRows(fixture.path).map(\.count) == [64, 64, 64, 64, 44])
            let copy = try fixture.store.compactEmbeddings(modelID: fixture.modelID)
            #expect(copy.ids == fixture.ids)
            #expect(copy.chunkedRows == 300)
            // The stored copy is exactly the one made from the Float32 rows.
            let made = QuantizedEmbeddings(try fixture.store.embeddingMatrix(modelID: fixture.modelID))
            #expect(copy.compact.codes == made.codes && copy.compact.scales == made.scales)
            #expect(copy.compact.errors == made.errors && copy.compact.norms == made.norms)
            try expectExact(fixture, queries(from: rows, using: &random), ks: [1, 3, 10, 299, 300, 302])
        }
    }

    @Test func refreshIsIdempotentAndPacksTheTail() throws {
        var random = SeededGenerator(seed: 11)
        try withFixture(count: 200, dimension: 8) { fixture in
            let store = fixture.store, modelID = fixture.modelID
            let first = clusteredRows(count: 200, dimension: 8, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: fixture.ids, vectors: Array(first.joined()))
            #expect(try store.refreshCompactChunks(modelID: modelID, chunkRows: 64).written == 4)
            #expect(try store.refreshCompactChunks(modelID: modelID, chunkRows: 64) == .init())
            // Rows appended after the last chunk: the tail, read as Float32 until the next refresh.
            let added = try addQuestions(store, count: 100, from: 200)
            let second = clusteredRows(count: 100, dimension: 8, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: added, vectors: Array(second.joined()))
            #expect(try chunkRows(fixture.path).map(\.stale) == [false, false, false, false])
            let copy = try store.compactEmbeddings(modelID: modelID)
            #expect(copy.count == 300 && copy.chunkedRows == 200)
            try expectExact(fixture, queries(from: first + second, using: &random), ks: [1, 10, 300])
            // The partly filled last chunk (8 rows) is rewritten with the tail: 4 full chunks and one of 44.
            #expect(try store.refreshCompactChunks(modelID: modelID, chunkRows: 64)
                    == .init(deleted: 1, written: 2, rowsWritten: 108))
            #expect(try chunkRows(fixture.path).map(\.count) == [64, 64, 64, 64, 44])
            #expect(try store.compactEmbeddings(modelID: modelID).chunkedRows == 300)
            try expectExact(fixture, queries(from: first + second, using: &random), ks: [1, 10])
        }
    }

    @Test func staleChunksAreReadFromTheFloat32RowsUntilRefreshed() throws {
        var random = SeededGenerator(seed: 5)
        try withFixture(count: 256, dimension: 16) { fixture in
            let store = fixture.store, modelID = fixture.modelID, ids = fixture.ids
            var rows = clusteredRows(count: 256, dimension: 16, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: Array(rows.joined()))
            try store.refreshCompactChunks(modelID: modelID, chunkRows: 64)
            // Chunk 1: one row replaced by another stored row (a new tie). Chunk 2: a question deleted (its
            // embedding goes by cascade). Chunk 3: every embedding of the chunk deleted.
            try store.storeEmbeddings(modelID: modelID, questionIDs: [ids[70]], vectors: rows[3])
            rows[70] = rows[3]
            try rawDatabase(fixture.path).write { db in
                try db.execute(sql: "DELETE FROM question WHERE id = ?", arguments: [ids[150]])
                try db.execute(sql: "DELETE FROM embedding WHERE question_id BETWEEN ? AND ?",
                               arguments: [ids[192], ids[255]])
            }
            #expect(try chunkRows(fixture.path).map(\.stale) == [false, true, true, true])
            let copy = try store.compactEmbeddings(modelID: modelID)
            #expect(copy.count == 255 - 64 && copy.chunkedRows == 64)
            #expect(copy.ids == Array(ids[0..<150] + ids[151..<192]))
            try expectExact(fixture, [rows[3], rows[70]] + queries(from: Array(rows.prefix(150)), using: &random),
                            ks: [1, 2, 5, 191])
            // The refresh rebuilds the two stale chunks that still have rows and drops the empty one.
            #expect(try store.refreshCompactChunks(modelID: modelID, chunkRows: 64)
                    == .init(deleted: 3, written: 2, rowsWritten: 127))
            #expect(try chunkRows(fixture.path).map(\.count) == [64, 64, 63])
            #expect(try store.compactEmbeddings(modelID: modelID).chunkedRows == 191)
            try expectExact(fixture, [rows[3]] + queries(from: Array(rows.prefix(150)), using: &random), ks: [1, 4])
        }
    }

    /// Fails if a staleness trigger is missing: a change made behind the store's back (another program, raw SQL)
    /// must still be seen, through the chunk's stale mark.
    @Test func triggersMarkChunksStaleWhoeverWrites() throws {
        var random = SeededGenerator(seed: 9)
        try withFixture(count: 128, dimension: 8) { fixture in
            let store = fixture.store, modelID = fixture.modelID, ids = fixture.ids
            let rows = clusteredRows(count: 128, dimension: 8, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: Array(rows.joined()))
            let database = try rawDatabase(fixture.path)
            func check(_ sql: String, _ arguments: StatementArguments, staleChunk: Int) throws {
                try store.refreshCompactChunks(modelID: modelID, chunkRows: 32)
                #expect(try chunkRows(fixture.path).allSatisfy { !$0.stale })
                try database.write { try $0.execute(sql: sql, arguments: arguments) }
                #expect(try chunkRows(fixture.path).map(\.stale) == (0..<4).map { $0 == staleChunk }, "\(sql)")
            }
            // A vector far from all the others, moved into chunk 2 by hand: the next search must find it.
            var odd = [Float](repeating: 0, count: 8)
            odd[0] = -1
            try check("UPDATE embedding SET vector = ? WHERE question_id = ?", [FloatBlob.data(odd), ids[80]],
                      staleChunk: 2)
            let hits = try store.withCompactSnapshot(modelID: modelID) { try $0.search(queries: odd, k: 1) }
            #expect(hits == [[SearchHit(questionID: ids[80], score: 1)]])
            try check("DELETE FROM embedding WHERE question_id = ?", [ids[5]], staleChunk: 0)
            try check("INSERT INTO embedding (model_id, question_id, vector) VALUES (?, ?, ?)",
                      [modelID, ids[5], FloatBlob.data(rows[5])], staleChunk: 0)
            try check("DELETE FROM question WHERE id = ?", [ids[120]], staleChunk: 3)
            try check("DELETE FROM embedding WHERE question_id = ?", [ids[100]], staleChunk: 3)
            // An update that moves a row to another question marks both chunks.
            try store.refreshCompactChunks(modelID: modelID, chunkRows: 32)
            try database.write { db in
                try db.execute(sql: "UPDATE embedding SET question_id = ? WHERE question_id = ?",
                               arguments: [ids[100], ids[40]])
            }
            #expect(try chunkRows(fixture.path).map(\.stale) == [false, true, false, true])
            try expectExact(fixture, [odd] + queries(from: rows, using: &random), ks: [1, 7])
            // Deleting the model deletes its chunks.
            try database.write { try $0.execute(sql: "DELETE FROM model WHERE id = ?", arguments: [modelID]) }
            #expect(try database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM compact_chunk_data") } == 0)
        }
    }

    @Test func corruptChunksGiveClearErrors() throws {
        var random = SeededGenerator(seed: 3)
        let tamperings: [(sql: String, column: String, problem: String)] = [
            ("UPDATE compact_chunk_data SET codes = x'00'", "codes", "does not hold 256 bytes (row_count 32 · 8)"),
            ("UPDATE compact_chunk_data SET scales = CAST(substr(scales, 1, 124) || x'000080bf' AS BLOB)", "scales",
             "has -1.0 at row 31, not a valid bound"),
            ("UPDATE compact_chunk_data SET codes = CAST(x'80' || substr(codes, 2) AS BLOB)", "codes",
             "has the code -128, outside -127 … 127"),
            ("UPDATE compact_chunk_data SET norms = CAST(x'0000c07f' || substr(norms, 5) AS BLOB)", "norms",
             "has nan at row 0, not a valid bound"),
            ("UPDATE compact_chunk_data SET question_ids = CAST(substr(question_ids, 9, 8) || substr(question_ids, 9) AS BLOB)",
             "question_ids", ""),
            ("UPDATE compact_chunk_data SET errors = 'text'", "errors", "is text, expected a BLOB"),
            ("DELETE FROM compact_chunk_data", "chunk_id", "is missing"),
            ("UPDATE compact_chunk SET row_count = 5000000", "row_count", "is 5000000, outside 1...1048576"),
        ]
        for tampering in tamperings {
            try withFixture(count: 64, dimension: 8) { fixture in
                let rows = clusteredRows(count: 64, dimension: 8, using: &random)
                try fixture.store.storeEmbeddings(modelID: fixture.modelID, questionIDs: fixture.ids,
                                                  vectors: Array(rows.joined()))
                try fixture.store.refreshCompactChunks(modelID: fixture.modelID, chunkRows: 32)
                try rawDatabase(fixture.path).write { db in
                    // The CHECK constraints and the trigger that keeps data rows unchanged would refuse some of
                    // these; a damaged file has none to pass.
                    try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
                    try db.execute(sql: "DROP TRIGGER compact_chunk_data_immutable")
                    try db.execute(sql: tampering.sql)
                }
                func isTheError(_ error: any Error) -> Bool {
                    guard case let IndexError.corruptValue(path, _, column, _, problem) = error else { return false }
                    return path == fixture.path && column == tampering.column
                        && (tampering.problem.isEmpty || problem == tampering.problem)
                }
                #expect {
                    try QuestionSearch(store: QuestionStore(path: fixture.path, mode: .readOnly), modelName: "m")
                } throws: { isTheError($0) }
                // The same error when a second connection copies one of the two chunks.
                #expect {
                    try QuestionStore(path: fixture.path, mode: .readOnly).compactEmbeddings(modelID: fixture.modelID,
                                                                                           sideReader: true)
                } throws: { isTheError($0) }
            }
        }
    }

    /// New index files get large pages (fewer reads of the chunks' overflow pages); an existing file keeps its own.
    @Test func newStoresUseLargePages() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "old.sqlite").path(percentEncoded: false)
            try rawDatabase(path).write { try $0.execute(sql: "CREATE TABLE other (x)") }
            _ = try? QuestionStore(path: path, mode: .readWrite)  // refused: not an index
            #expect(try rawDatabase(path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") } == 4096)
        }
        try withStore { store, path in
            _ = try store.saveModel(name: "m", model: tinyModel())
            #expect(try rawDatabase(path).read { try Int.fetchOne($0, sql: "PRAGMA page_size") }
                    == QuestionStore.newPageSize)
        }
    }

    @Test func manyCandidatesAreFetchedInOnePass() throws {
        var random = SeededGenerator(seed: 21)
        try withFixture(count: 5000, dimension: 4) { fixture in
            let rows = clusteredRows(count: 5000, dimension: 4, using: &random)
            try fixture.store.storeEmbeddings(modelID: fixture.modelID, questionIDs: fixture.ids,
                                              vectors: Array(rows.joined()))
            try fixture.store.refreshCompactChunks(modelID: fixture.modelID, chunkRows: 1000)
            try expectExact(fixture, Array(queries(from: rows, using: &random).prefix(2)), ks: [4500, 5000])
        }
    }

    /// A search made before the model was swapped for a new one (`index --reembed`, a retrain) finds the old
    /// model's vectors gone, and answers with the new model and its copy instead of failing.
    @Test func aSearchAfterAModelSwapUsesTheNewModel() throws {
        try withFixture(count: 40, dimension: 16) { fixture in
            let store = fixture.store
            let model = try store.loadModel(name: "m")
            _ = try Indexer(store: store, model: model).embedMissing()
            let search = try QuestionSearch(store: store, modelName: "m")
            _ = try search.search(["question 7"], k: 3)
            _ = try ModelSwap.reembed(store: store, model: model)
            let swapped = try store.loadModel(name: "m")
            #expect(swapped.id != model.id)
            let found = try search.search(["question 7"], k: 3)
            #expect(search.model.id == swapped.id)
            let expected = try store.embeddingMatrix(modelID: swapped.id)
                .search(try swapped.model.encode(["question 7"]), k: 3)
            #expect(found[0].map(\.questionID) == expected.map(\.questionID))
            #expect(found[0].map(\.score) == expected.map(\.score))
        }
    }

    /// `QuestionSearch` over an index built by `Indexer` (which refreshes the chunks) answers as the Float32 scan,
    /// and sees rows written after it loaded, by this store or by another connection.
    @Test func questionSearchUsesTheStoredCopyAndSeesLaterWrites() throws {
        try withFixture(count: 0, dimension: 16) { fixture in
            let store = fixture.store
            let model = try store.loadModel(name: "m")
            let words = ["how", "do", "i", "reset", "my", "password", "what", "is", "a", "to", "cook", "rice"]
            let texts = (0..<120).map { i in (0..<4).map { words[(i * 7 + $0 * (i % 5 + 1)) % words.count] }
                .joined(separator: " ") + " \(i)" }
            _ = try store.addQuestions(texts.map { (text: $0, externalID: nil) }, source: "test")
            #expect(try Indexer(store: store, model: model, batchSize: 50).embedMissing() == 120)
            #expect(try store.compactEmbeddings(modelID: fixture.modelID).chunkedRows == 120)
            let search = try QuestionSearch(store: store, modelName: "m")
            let queries = ["how do i reset my password", "cook rice", "what is a password"]
            let vectors = try model.model.encode(queries)
            func expectMatrixAnswers() throws {
                let matrix = try store.embeddingMatrix(modelID: fixture.modelID)
                let found = try search.search(queries, k: 5)
                for index in queries.indices {
                    let expected = matrix.search(Array(vectors[(index * 16)..<((index + 1) * 16)]), k: 5)
                    #expect(found[index].map(\.questionID) == expected.map(\.questionID))
                    #expect(found[index].map(\.score) == expected.map(\.score))
                }
            }
            try expectMatrixAnswers()
            // Written through this store: the exact text of a query, now the best match of it.
            _ = try store.addQuestions([(text: "how do i reset my password", externalID: nil)], source: "test")
            _ = try Indexer(store: store, model: model).embedMissing()
            try expectMatrixAnswers()
            #expect(try search.search([queries[0]], k: 1)[0][0].text == "how do i reset my password")
            // Written by another connection, behind the store's back.
            try rawDatabase(fixture.path).write { db in
                try db.execute(sql: "DELETE FROM question WHERE text = 'how do i reset my password'")
            }
            try expectMatrixAnswers()
            #expect(try search.search([queries[0]], k: 1)[0][0].text != "how do i reset my password")
        }
    }

    // MARK: Loading on two connections (migration 0014, `SideChunkReader`)

    private func expectSameCopy(_ a: CompactEmbeddings, _ b: CompactEmbeddings,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.ids == b.ids, sourceLocation: sourceLocation)
        #expect(a.compact.codes == b.compact.codes, sourceLocation: sourceLocation)
        #expect(a.compact.scales == b.compact.scales && a.compact.errors == b.compact.errors
                && a.compact.norms == b.compact.norms, sourceLocation: sourceLocation)
        #expect(a.chunkedRows == b.chunkedRows, sourceLocation: sourceLocation)
    }

    /// The side reader copies the back chunks; the copy is the one-connection copy, byte for byte, with a stale
    /// chunk and a tail between and after the fresh ones.
    @Test func twoConnectionsLoadTheSameCopyAsOne() throws {
        var random = SeededGenerator(seed: 11)
        try withFixture(count: 700, dimension: 16) { fixture in
            let store = fixture.store, modelID = fixture.modelID
            let rows = clusteredRows(count: 700, dimension: 16, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: Array(fixture.ids.prefix(650)),
                                      vectors: Array(rows.prefix(650).joined()))
            try store.refreshCompactChunks(modelID: modelID, chunkRows: 64)
            try store.storeEmbeddings(modelID: modelID, questionIDs: [fixture.ids[300]], vectors: rows[5])
            try store.storeEmbeddings(modelID: modelID, questionIDs: Array(fixture.ids.suffix(50)),
                                      vectors: Array(rows.suffix(50).joined()))
            #expect(try chunkRows(fixture.path).map(\.stale) == (0..<11).map { $0 == 4 })
            let one = try store.compactEmbeddings(modelID: modelID, sideReader: false)
            let two = try store.compactEmbeddings(modelID: modelID, sideReader: true)
            #expect(one.count == 700 && one.chunkedRows == 650 - 64)
            expectSameCopy(one, two)
        }
    }

    /// A side reader whose snapshot is newer than the loading transaction's: a chunk rewritten in between (a row
    /// replaced in place in the chunk of the largest id, so the new chunk has the same range and size) is not in
    /// its snapshot, and the loading transaction reads it itself. The copy is the older snapshot's. Before
    /// migration 0014 the rewritten chunk took the freed id, and the side reader copied its new rows into the
    /// old snapshot's copy (this test failed then).
    @Test func aSideReaderInANewerSnapshotChangesNothing() throws {
        var random = SeededGenerator(seed: 12)
        try withFixture(count: 256, dimension: 8) { fixture in
            let store = fixture.store, modelID = fixture.modelID, ids = fixture.ids
            let rows = clusteredRows(count: 256, dimension: 8, using: &random)
            try store.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: Array(rows.joined()))
            try store.refreshCompactChunks(modelID: modelID, chunkRows: 32)
            let before = try store.compactEmbeddings(modelID: modelID, sideReader: false)
            let chunkIDs = try rawDatabase(fixture.path).read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM compact_chunk ORDER BY first_question_id")
            }
            let during = try store.read { db in
                let context = CompactReadContext(db: db, path: fixture.path, modelID: modelID, modelName: "m",
                                                 dimension: 8)
                let version = try CompactEmbeddings.Version(db, store: ObjectIdentifier(store), path: fixture.path)
                #expect(try context.chunks().count == 8)  // the snapshot is taken
                // Another connection changes two chunks and rewrites them, all committed.
                let other = try QuestionStore(path: fixture.path, mode: .readWrite)
                try other.storeEmbeddings(modelID: modelID, questionIDs: [ids[250]], vectors: rows[0])
                #expect(try other.refreshCompactChunks(modelID: modelID, chunkRows: 32)
                        == .init(deleted: 1, written: 1, rowsWritten: 32))
                let copy = try context.compactEmbeddings(version: version, sideReader: true)
                // The side reader alone, given every chunk of the loading snapshot: it copies all but the rewritten one.
                let chunks = try context.chunks()
                var ids = [Int64](repeating: 0, count: 256), codes = [Int8](repeating: 0, count: 256 * 8)
                var scales = [Float](repeating: 0, count: 256), errors = scales, norms = scales
                let left = ids.withUnsafeMutableBufferPointer { ids in
                    codes.withUnsafeMutableBufferPointer { codes in
                        scales.withUnsafeMutableBufferPointer { scales in
                            errors.withUnsafeMutableBufferPointer { errors in
                                norms.withUnsafeMutableBufferPointer { norms in
                                    let side = SideChunkReader(
                                        file: fixture.path, chunks: chunks, firstRows: chunks.indices.map { $0 * 32 },
                                        rows: CompactDestination(ids: ids.baseAddress, codes: codes.baseAddress,
                                                                 scales: scales.baseAddress, errors: errors.baseAddress,
                                                                 norms: norms.baseAddress, dimension: 8),
                                        claims: ChunkClaims(count: chunks.count))
                                    side.run()
                                    return side.claimedNotCopied
                                }
                            }
                        }
                    }
                }
                #expect(left == [7])
                #expect(Array(ids.prefix(224)) == Array(before.ids.prefix(224)))
                #expect(Array(codes.prefix(224 * 8)) == Array(before.compact.codes.prefix(224 * 8)))
                #expect(Array(scales.prefix(224)) == Array(before.compact.scales.prefix(224)))
                return copy
            }
            expectSameCopy(before, during)
            // The rewritten chunks got new ids, above every earlier one.
            let after = try rawDatabase(fixture.path).read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM compact_chunk ORDER BY first_question_id")
            }
            #expect(Set(after).subtracting(chunkIDs).allSatisfy { $0 > chunkIDs.max()! })
            #expect(after.count == 8 && Set(after).intersection(chunkIDs).count == 7)
            expectSameCopy(try store.compactEmbeddings(modelID: modelID, sideReader: true),
                           try store.compactEmbeddings(modelID: modelID, sideReader: false))
        }
    }

    /// Migration 0014 keeps every chunk (ids and BLOBs), and from then on ids are not reused and data rows
    /// cannot be updated.
    @Test func upgradeKeepsChunksAndStopsReusingIDs() throws {
        var random = SeededGenerator(seed: 13)
        try withTemporaryDirectory { directory in
            let path = directory.appending(path: "index.sqlite").path(percentEncoded: false)
            let before = Schema(migrations: Array(Schema.embedded.migrations.prefix { !$0.identifier.hasPrefix("0014") }))
            let old = try QuestionStore(path: path, mode: .readWrite, schema: before)
            let modelID = try old.saveModel(name: "m", model: tinyModel(dimension: 8))
            let ids = try addQuestions(old, count: 100, from: 0)
            let rows = clusteredRows(count: 100, dimension: 8, using: &random)
            try old.storeEmbeddings(modelID: modelID, questionIDs: ids, vectors: Array(rows.joined()))
            try old.refreshCompactChunks(modelID: modelID, chunkRows: 40)
            let chunksBefore = try rawDatabase(path).read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM compact_chunk JOIN compact_chunk_data ON chunk_id = id ORDER BY id")
            }
            let store = try QuestionStore(path: path, mode: .readWrite)
            let chunksAfter = try rawDatabase(path).read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM compact_chunk JOIN compact_chunk_data ON chunk_id = id ORDER BY id")
            }
            #expect(chunksAfter == chunksBefore && chunksAfter.count == 3)
            // The last chunk (the largest id, 3) rewritten after a change in place: a new id.
            try store.storeEmbeddings(modelID: modelID, questionIDs: [ids[99]], vectors: rows[0])
            #expect(try store.refreshCompactChunks(modelID: modelID, chunkRows: 40).written == 1)
            #expect(try rawDatabase(path).read { db in try Int64.fetchAll(db, sql: "SELECT id FROM compact_chunk ORDER BY id") }
                    == [1, 2, 4])
            #expect(throws: DatabaseError.self) {
                try rawDatabase(path).write { db in try db.execute(sql: "UPDATE compact_chunk_data SET codes = codes") }
            }
            // Deleting a chunk still deletes its data.
            try rawDatabase(path).write { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.execute(sql: "DELETE FROM compact_chunk WHERE id = 4")
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM compact_chunk_data") == 2)
            }
        }
    }
}
