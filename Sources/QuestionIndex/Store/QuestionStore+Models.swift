import Foundation
import GRDB
import GRDBSQLite
import SiameseNet

/// Models: configuration, vocabulary, sub-word vocabulary, weights, threshold and learning curve.
extension QuestionStore {
    /// Saves `model` under `name` in one transaction, replacing a model of that name (its vocabulary, weights
    /// and embeddings; the learning curve is kept).
    ///
    /// Embeddings are deleted because they were computed with the old weights: vectors of different weights
    /// must never be compared.
    /// - Parameter threshold: the calibrated duplicate cut-off, or nil for none.
    /// - Returns: the model's id.
    /// - Throws: `IndexError.invalidModelName`, `.invalidThreshold`, or a database error.
    @discardableResult
    func saveModel(name: String, model: SiameseModel, threshold: Float? = nil) throws(IndexError) -> Int64 {
        try Self.validate(name: name, threshold: threshold)
        let config = try encodedConfig(model.config, name: name)
        return try write { db in
            try Self.writeModel(db, name: name, model: model, config: config, threshold: threshold, calibration: nil)
        }
    }

    /// Saves the model at the end of a training epoch together with the epoch's record, in one transaction,
    /// so that a killed run leaves the last whole epoch. Records of epochs at or after `epoch.epoch` (from an
    /// earlier run under the same name) are replaced.
    ///
    /// Like `saveModel`, this deletes the model's embeddings, and sets its threshold (nil: not calibrated yet).
    /// - Returns: the model's id.
    /// - Throws: `IndexError.invalidEpochRecord` for an epoch number below 1 or a value that is not finite
    ///   (a diverged run), besides the errors of `saveModel`.
    /// - Parameter calibration: how the threshold was chosen and which epoch these weights are.
    /// - Parameter trainingFor: when set, the model is saved as an unfinished training run (state 'training')
    ///   that will take this name in `finishTraining`; commands never use it until then.
    @discardableResult
    func saveEpoch(name: String, model: SiameseModel, epoch: TrainingEpochRecord,
                          threshold: Float? = nil, calibration: ModelCalibration? = nil,
                          trainingFor target: String? = nil) throws(IndexError) -> Int64 {
        try Self.validate(name: name, threshold: threshold)
        try Self.validate(epoch, model: name)
        let config = try encodedConfig(model.config, name: name)
        let calibrationJSON = try encodedCalibration(calibration, name: name)
        return try write { db in
            let id = try Self.writeModel(db, name: name, model: model, config: config, threshold: threshold,
                                         calibration: calibrationJSON, trainingFor: target)
            try db.execute(sql: "DELETE FROM training_epoch WHERE model_id = ? AND epoch >= ?",
                           arguments: [id, epoch.epoch])
            try Self.insertEpoch(db, modelID: id, epoch)
            return id
        }
    }

    /// The id of the ready model named `name`, or nil when there is none.
    func readyModelID(name: String) throws(IndexError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ? AND state = 'ready'", arguments: [name])
        }
    }

    /// Ends a training run: in one transaction, the run's model (`runID`, saved with `trainingFor: name`) takes
    /// the name `name` and replaces the ready model of that name, which is deleted with its vectors and learning
    /// curve. Readers see the old model or the new one, never a mix; a process still writing vectors for the old
    /// model gets `modelIDNotFound` instead of mixing them into the new one.
    /// - Parameter replacing: the id of the model of that name when the run started (nil: there was none). When
    ///   another run or command has since replaced or created it, nothing changes and the run's model is deleted.
    /// - Throws: `IndexError.modelChangedDuringTraining`, `.modelIDNotFound` when the run's model is gone.
    /// - Parameter onlyIfComplete: when true and a stored question has no vector of the run's model (an `index`
    ///   added it meanwhile), nothing changes and the result is false: embed the missing ones and call again.
    /// - Returns: whether the run's model was swapped in.
    @discardableResult
    func finishTraining(runID: Int64, name: String, replacing expected: Int64?,
                               onlyIfComplete: Bool = false) throws(IndexError) -> Bool {
        let path = self.path
        let outcome: Result<Bool, IndexError> = try write { db in
            try Self.requireModel(db, id: runID, path: path)
            if onlyIfComplete, try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM question q
                    WHERE NOT EXISTS (SELECT 1 FROM embedding e WHERE e.model_id = ? AND e.question_id = q.id))
                """, arguments: [runID]) == true {
                return .success(false)
            }
            let current = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ? AND state = 'ready'",
                                             arguments: [name])
            guard current == expected else {
                try db.execute(sql: "DELETE FROM model WHERE id = ?", arguments: [runID])
                return .failure(.modelChangedDuringTraining(path: path, name: name, created: expected == nil))
            }
            var wasDefault = false
            if let current {
                wasDefault = try Bool.fetchOne(db, sql: "SELECT is_default = 1 FROM model WHERE id = ?",
                                               arguments: [current]) ?? false
                try db.execute(sql: "DELETE FROM model WHERE id = ?", arguments: [current])
            }
            try db.execute(sql: """
                UPDATE model SET name = ?, state = 'ready', target = NULL, run_owner = NULL, is_default = ? WHERE id = ?
                """,
                           arguments: [name, wasDefault ? 1 : 0, runID])
            return .success(true)
        }
        return try outcome.get()
    }

    /// Copies the ready model `modelID` (configuration, vocabularies, weights, learning curve; no vectors) into an
    /// unfinished run that `finishTraining` swaps in for it: `index --reembed` fills the copy with new vectors
    /// while readers keep using the model's current ones, and the swap replaces all of them in one transaction.
    /// - Returns: the copy's id.
    /// - Throws: `IndexError.modelIDNotFound`.
    func stageCopy(ofModel modelID: Int64) throws(IndexError) -> Int64 {
        let path = self.path
        return try write { db in
            let (name, _) = try Self.modelNameAndDimension(db, id: modelID, path: path)
            try db.execute(sql: """
                INSERT INTO model (name, created_at, config, dimension, threshold, calibration, state, target, is_default,
                    run_owner)
                SELECT ?, created_at, config, dimension, threshold, calibration, 'training', name, 0, ?
                FROM model WHERE id = ?
                """, arguments: ["\(name) (re-embedding \(UUID().uuidString.prefix(8).lowercased()))",
                                 RunOwner.current.stored, modelID])
            let copy = db.lastInsertedRowID
            for (table, columns) in [("vocabulary", "token_id, token, count"), ("weight", "name, shape, data"),
                                     ("training_epoch", "epoch, loss, pairs_per_second, seconds, validation_auc, created_at"),
                                     ("subword", "subword_id, ngram, count")] {
                try db.execute(sql: "INSERT INTO \(table) (model_id, \(columns)) SELECT ?, \(columns) FROM \(table) WHERE model_id = ?",
                               arguments: [copy, modelID])
            }
            return copy
        }
    }

    /// The number of stored questions without a vector of the model `modelID`.
    package func questionsWithoutEmbeddingCount(modelID: Int64) throws(IndexError) -> Int {
        // Every vector references its question (foreign key): the difference of two counts, in one snapshot.
        try read { db in
            let questions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM question") ?? 0
            let vectors = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM embedding WHERE model_id = ?",
                                           arguments: [modelID]) ?? 0
            return questions - vectors
        }
    }

    /// Deletes the model of an unfinished training run (after the run failed); the model it was to replace stays.
    func discardTraining(runID: Int64) throws(IndexError) {
        try write { db in
            try db.execute(sql: "DELETE FROM model WHERE id = ? AND state = 'training'", arguments: [runID])
        }
    }

    /// An unfinished training run or re-embedding, as `info` shows it.
    package struct UnfinishedRun: Sendable, Equatable {
        /// The model it will replace or create.
        package var target: String
        /// When it last saved an epoch (nil: none yet, or a re-embedding).
        package var savedAt: Date?
        /// The process running it, "HOST PID" (nil for runs started before schema 0010).
        package var owner: String?
        /// Whether its process is certainly gone from this host: the run was killed or crashed, and the next
        /// `discardAbandonedRuns` (every `siamese train` calls it) deletes it.
        package var isAbandoned: Bool
    }

    /// Unfinished training runs and re-embeddings (killed, or still running in another process). Their models
    /// are never used.
    package func unfinishedTrainingRuns() throws(IndexError) -> [UnfinishedRun] {
        let path = self.path
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.id, m.target, m.run_owner,
                    (SELECT MAX(created_at) FROM training_epoch e WHERE e.model_id = m.id) AS saved_at
                FROM model m WHERE m.state = 'training' ORDER BY m.id
                """).map { fetched throws in
                let row = StoredRow(fetched, table: "model", name: "a training run", path: path)
                let owner = try row.optionalText("run_owner")
                return UnfinishedRun(target: try row.text("target"), savedAt: try row.optionalDate("saved_at"),
                                     owner: owner, isAbandoned: owner.flatMap(RunOwner.init(stored:))?.isGone ?? false)
            }
        }
    }

    /// Deletes the unfinished runs whose process is gone from this host (see `UnfinishedRun.isAbandoned`).
    /// - Returns: the names of the models they were for.
    @discardableResult
    package func discardAbandonedRuns() throws(IndexError) -> [String] {
        let path = self.path
        return try write { db in
            var discarded: [String] = []
            for fetched in try Row.fetchAll(db, sql: "SELECT id, target, run_owner FROM model WHERE state = 'training'") {
                let row = StoredRow(fetched, table: "model", name: "a training run", path: path)
                guard let owner = try row.optionalText("run_owner").flatMap(RunOwner.init(stored:)), owner.isGone
                else { continue }
                try db.execute(sql: "DELETE FROM model WHERE id = ?", arguments: [try row.integer("id")])
                discarded.append(try row.text("target"))
            }
            return discarded
        }
    }

    /// Records a finished epoch whose weights are not kept (a better epoch is already saved): the learning
    /// curve gets its row, the stored model stays as it is.
    /// - Throws: `IndexError.modelIDNotFound`, `.invalidEpochRecord`.
    func recordEpoch(modelID: Int64, modelName: String, epoch: TrainingEpochRecord) throws(IndexError) {
        try Self.validate(epoch, model: modelName)
        let path = self.path
        try write { db in
            try Self.requireModel(db, id: modelID, path: path)
            try db.execute(sql: "DELETE FROM training_epoch WHERE model_id = ? AND epoch >= ?",
                           arguments: [modelID, epoch.epoch])
            try Self.insertEpoch(db, modelID: modelID, epoch)
        }
    }

    private static func insertEpoch(_ db: Database, modelID: Int64, _ epoch: TrainingEpochRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO training_epoch
                    (model_id, epoch, loss, pairs_per_second, seconds, validation_auc, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [modelID, epoch.epoch, epoch.loss, epoch.pairsPerSecond, epoch.seconds, epoch.validationAUC,
                        epoch.createdAt])
    }

    /// Loads a model with its weights and learning curve.
    /// - Parameter name: the model's name; nil for the only model, or the most recently trained one.
    /// - Throws: `IndexError.noModel` when the index has none, `.modelNotFound` for an unknown name,
    ///   `.corruptWeight`/`.corruptModel` when the stored parts do not make a valid model.
    public func loadModel(name: String? = nil) throws(IndexError) -> StoredModel {
        try readModelParts(name: name).build()
    }

    /// A model's stored parts, read in one transaction with every value checked; `ModelParts.build` makes the
    /// model from them (no database work, so it may run on another thread while the connection reads on).
    func readModelParts(name: String?) throws(IndexError) -> ModelParts {
        let path = self.path
        return try read { db in
            var row = StoredRow(try Self.modelRow(db, name: name, path: path), table: "model",
                                name: name.map { "model \"\($0)\"" } ?? "the newest model", path: path)
            let id = try row.integer("id")
            row.name = "model id \(id)"
            let modelName = try row.text("name")
            row.name = "model \"\(modelName)\""
            func corrupt(_ reason: String) -> IndexError {
                .corruptModel(path: path, model: modelName, reason: reason)
            }
            let config: ModelConfig
            do {
                config = try JSONDecoder().decode(ModelConfig.self, from: Data(try row.text("config").utf8))
            } catch let error as IndexError {
                throw error
            } catch {
                throw corrupt("its configuration is not valid JSON for this build (\(error))")
            }
            // The vector size of the embedding table and of the encoder must agree.
            let dimension = try row.integer("dimension", in: 1...ModelConfig.maximumDimension)
            guard dimension == config.dimension else {
                throw row.corrupt("dimension", "is \(dimension) but its configuration says \(config.dimension)")
            }
            let threshold = try Self.threshold(row)
            let vocabulary = try Self.fetchCountedStrings(
                db, sql: "SELECT token_id, token, count FROM vocabulary WHERE model_id = ? ORDER BY token_id",
                modelID: id, table: "vocabulary", sqlTable: "vocabulary", columns: ("token_id", "token"), path: path,
                corrupt: corrupt)
            let subwords = try Self.fetchCountedStrings(
                db, sql: "SELECT subword_id, ngram, count FROM subword WHERE model_id = ? ORDER BY subword_id",
                modelID: id, table: "sub-word", sqlTable: "subword", columns: ("subword_id", "ngram"), path: path,
                corrupt: corrupt)
            let tensors = try Self.loadTensors(db, modelID: id, modelName: modelName, path: path)
            let epochs = try Self.fetchEpochs(db, modelID: id, path: path)
            return ModelParts(path: path, id: id, name: modelName, config: config, threshold: threshold,
                              createdAt: try row.date("created_at"), epochs: epochs,
                              calibration: try Self.decodeCalibration(try row.optionalText("calibration"),
                                                                      corrupt: corrupt),
                              tokens: vocabulary.0, tokenCounts: vocabulary.1, ngrams: subwords.0,
                              ngramCounts: subwords.1, tensors: tensors)
        }
    }

    /// The learning curve of a model, by epoch, without loading its weights.
    /// - Throws: `IndexError.modelIDNotFound`.
    package func trainingEpochs(modelID: Int64) throws(IndexError) -> [TrainingEpochRecord] {
        let path = self.path
        return try read { db in
            try Self.requireModel(db, id: modelID, path: path)
            return try Self.fetchEpochs(db, modelID: modelID, path: path)
        }
    }

    /// Sets (or, with nil, clears) the calibrated duplicate threshold of a model.
    /// - Throws: `IndexError.modelNotFound`, `.invalidThreshold`.
    func setThreshold(modelName: String, threshold: Float?) throws(IndexError) {
        try Self.validate(name: modelName, threshold: threshold)
        let path = self.path
        try write { db in
            try db.execute(sql: "UPDATE model SET threshold = ? WHERE name = ?",
                           arguments: [threshold.map { Double($0) }, modelName])
            if db.changesCount == 0 { throw try Self.notFound(db, name: modelName, path: path) }
        }
    }

    /// Replaces the calibration record of a model (e.g. to add its dedup threshold after training).
    /// - Throws: `IndexError.modelIDNotFound`, `.invalidThreshold` for a dedup threshold (its own or a compared
    ///   rule's) that is not a cosine.
    func updateCalibration(modelID: Int64, modelName: String, _ calibration: ModelCalibration) throws(IndexError) {
        for threshold in calibration.dedup?.allThresholds ?? [] { try Self.validate(name: modelName, threshold: threshold) }
        let json = try encodedCalibration(calibration, name: modelName)
        let path = self.path
        try write { db in
            try db.execute(sql: "UPDATE model SET calibration = ? WHERE id = ?", arguments: [json, modelID])
            if db.changesCount == 0 { throw IndexError.modelIDNotFound(path: path, id: modelID) }
        }
    }

    /// The id of the model `loadModel(name:)` would load, without loading it.
    /// - Throws: `IndexError.noModel`, `.modelNotFound`.
    package func loadModelID(name: String?) throws(IndexError) -> Int64 {
        let path = self.path
        return try read { db in
            let row = StoredRow(try Self.modelRow(db, name: name, path: path), table: "model", name: "a model", path: path)
            return try row.integer("id")
        }
    }

    /// Makes the ready model `name` the one commands use when none is named (nil: none, so the most recently
    /// trained is used).
    /// - Throws: `IndexError.modelNotFound`.
    public func setDefaultModel(name: String?) throws(IndexError) {
        let path = self.path
        try write { db in
            if let name, try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ? AND state = 'ready'",
                                            arguments: [name]) == nil {
                throw try Self.notFound(db, name: name, path: path)
            }
            try db.execute(sql: "UPDATE model SET is_default = 0 WHERE is_default = 1")
            if let name {
                try db.execute(sql: "UPDATE model SET is_default = 1 WHERE name = ? AND state = 'ready'", arguments: [name])
            }
        }
    }

    /// Deletes a model with its vocabularies, weights, learning curve and embeddings.
    /// - Throws: `IndexError.modelNotFound`.
    public func deleteModel(name: String) throws(IndexError) {
        let path = self.path
        try write { db in
            try db.execute(sql: "DELETE FROM model WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw try Self.notFound(db, name: name, path: path) }
        }
    }

    /// One summary per stored model, by name, without loading weights.
    public func modelSummaries() throws(IndexError) -> [ModelSummary] {
        let path = self.path
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.id, m.name, m.created_at, m.config, m.dimension, m.threshold, m.calibration,
                    (SELECT COUNT(*) FROM vocabulary v WHERE v.model_id = m.id) AS vocabulary_size,
                    (SELECT COUNT(*) FROM training_epoch e WHERE e.model_id = m.id) AS epoch_count,
                    (SELECT loss FROM training_epoch e WHERE e.model_id = m.id ORDER BY epoch DESC LIMIT 1) AS last_loss,
                    (SELECT MAX(created_at) FROM training_epoch e WHERE e.model_id = m.id) AS trained_at,
                    (SELECT COUNT(*) FROM embedding x WHERE x.model_id = m.id) AS embedding_count,
                    m.is_default
                FROM model m WHERE m.state = 'ready' ORDER BY m.name
                """
            ).map { fetched throws in
                var row = StoredRow(fetched, table: "model", name: "a model row", path: path)
                let id = try row.integer("id")
                row.name = "model id \(id)"
                let name = try row.text("name")
                row.name = "model \"\(name)\""
                return ModelSummary(
                    id: id, name: name, createdAt: try row.date("created_at"),
                    dimension: try row.integer("dimension", in: 1...ModelConfig.maximumDimension),
                    vocabularySize: try row.integer("vocabulary_size", in: 0...Int.max),
                    threshold: try Self.threshold(row),
                    epochCount: try row.integer("epoch_count", in: 0...Int.max),
                    lastLoss: try row.optionalNumber("last_loss"), trainedAt: try row.optionalDate("trained_at"),
                    embeddingCount: try row.integer("embedding_count", in: 0...Int.max),
                    isDefault: try row.integer("is_default", in: 0...1) == 1,
                    calibration: try Self.decodeCalibration(try row.optionalText("calibration")) { reason in
                        .corruptModel(path: path, model: name, reason: reason)
                    },
                    config: (try? row.optionalText("config"))
                        .flatMap { try? JSONDecoder().decode(ModelConfig.self, from: Data($0.utf8)) })
            }
        }
    }

    // MARK: - Writing

    private static func validate(name: String, threshold: Float?) throws(IndexError) {
        guard !name.isEmpty else { throw IndexError.invalidModelName(name) }
        if let threshold, !(threshold >= -1 && threshold <= 1) { throw IndexError.invalidThreshold(threshold) }
    }

    private static func validate(_ epoch: TrainingEpochRecord, model: String) throws(IndexError) {
        func invalid(_ reason: String) -> IndexError {
            .invalidEpochRecord(model: model, epoch: epoch.epoch, reason: reason)
        }
        guard epoch.epoch >= 1 else { throw invalid("epochs are numbered from 1") }
        let values = [("loss", epoch.loss), ("pairs per second", epoch.pairsPerSecond), ("seconds", epoch.seconds),
                      ("validation AUC", epoch.validationAUC ?? 0)]
        if let (name, value) = values.first(where: { !$0.1.isFinite }) {
            throw invalid("its \(name) is \(value)")
        }
    }

    private func encodedConfig(_ config: ModelConfig, name: String) throws(IndexError) -> String {
        // Only non-finite floats fail to encode; ModelConfig.validate rules them out for a trained model.
        try encodedJSON(config, what: "configuration", name: name)
    }

    private func encodedCalibration(_ calibration: ModelCalibration?, name: String) throws(IndexError) -> String? {
        try calibration.map { (value) throws(IndexError) in try encodedJSON(value, what: "calibration", name: name) }
    }

    /// Sorted-key JSON, so equal values store equal text.
    private func encodedJSON<T: Encodable>(_ value: T, what: String, name: String) throws(IndexError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw IndexError.corruptModel(path: path, model: name, reason: "its \(what) cannot be encoded (\(error))")
        }
    }

    private static func decodeCalibration(_ text: String?, corrupt: (String) -> IndexError) throws -> ModelCalibration? {
        guard let text else { return nil }
        let calibration: ModelCalibration
        do {
            calibration = try JSONDecoder().decode(ModelCalibration.self, from: Data(text.utf8))
        } catch {
            throw corrupt("its calibration record is not valid for this build (\(error))")
        }
        if let problem = calibration.dedup?.problem { throw corrupt(problem) }
        return calibration
    }

    /// Inserts or replaces the model row, vocabulary and weights; returns the model id.
    private static func writeModel(_ db: Database, name: String, model: SiameseModel, config: String,
                                   threshold: Float?, calibration: String?, trainingFor target: String? = nil) throws -> Int64 {
        let id: Int64
        if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ?", arguments: [name]) {
            id = existing
            for table in ["embedding", "vocabulary", "subword", "weight"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE model_id = ?", arguments: [id])
            }
            try db.execute(sql: "UPDATE model SET config = ?, dimension = ?, threshold = ?, calibration = ? WHERE id = ?",
                           arguments: [config, model.dimension, threshold.map { Double($0) }, calibration, id])
        } else {
            try db.execute(
                sql: """
                    INSERT INTO model (name, created_at, config, dimension, threshold, calibration, state, target, run_owner)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, Date(), config, model.dimension, threshold.map { Double($0) }, calibration,
                            target == nil ? "ready" : "training", target, target == nil ? nil : RunOwner.current.stored])
            id = db.lastInsertedRowID
        }
        let vocabulary = model.vocabulary
        let insertToken = try db.cachedStatement(
            sql: "INSERT INTO vocabulary (model_id, token_id, token, count) VALUES (?, ?, ?, ?)")
        for (tokenID, token) in vocabulary.tokens.enumerated() {
            try insertToken.execute(arguments: [id, tokenID, token, vocabulary.counts[tokenID]])
        }
        if let subwords = model.subwords {
            let insertSubword = try db.cachedStatement(
                sql: "INSERT INTO subword (model_id, subword_id, ngram, count) VALUES (?, ?, ?, ?)")
            for (subwordID, ngram) in subwords.ngrams.enumerated() {
                try insertSubword.execute(arguments: [id, subwordID, ngram, subwords.counts[subwordID]])
            }
        }
        let insertWeight = try db.cachedStatement(
            sql: "INSERT INTO weight (model_id, name, shape, data) VALUES (?, ?, ?, ?)")
        for tensor in model.tensors {
            let shape = "[" + tensor.shape.map(String.init).joined(separator: ",") + "]"
            try insertWeight.execute(arguments: [id, tensor.name, shape, FloatBlob.data(tensor.values)])
        }
        return id
    }

    // MARK: - Reading

    /// The model row named `name`, or for nil the only / most recently trained model.
    private static func modelRow(_ db: Database, name: String?, path: String) throws -> Row {
        let columns = "m.id, m.name, m.created_at, m.config, m.dimension, m.threshold, m.calibration"
        if let name {
            guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM model m WHERE m.name = ? AND m.state = 'ready'",
                                             arguments: [name])
            else { throw try notFound(db, name: name, path: path) }
            return row
        }
        // The default model (`setDefaultModel`), else the most recently trained: last epoch record, else
        // creation; the larger id breaks ties.
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(columns) FROM model m WHERE m.state = 'ready'
            ORDER BY m.is_default = 1 DESC, COALESCE((SELECT MAX(created_at) FROM training_epoch e WHERE e.model_id = m.id), m.created_at) DESC,
                m.id DESC
            LIMIT 1
            """)
        else { throw IndexError.noModel(path: path) }
        return row
    }

    private static func fetchEpochs(_ db: Database, modelID: Int64, path: String) throws -> [TrainingEpochRecord] {
        try Row.fetchAll(db, sql: """
            SELECT epoch, loss, pairs_per_second, seconds, validation_auc, created_at
            FROM training_epoch WHERE model_id = ? ORDER BY epoch
            """, arguments: [modelID]
        ).map { fetched throws in
            var row = StoredRow(fetched, table: "training_epoch", name: "an epoch of model id \(modelID)", path: path)
            let epoch = try row.integer("epoch", in: 1...Int.max)
            row.name = "epoch \(epoch) of model id \(modelID)"
            return TrainingEpochRecord(epoch: epoch, loss: try row.number("loss"),
                                       pairsPerSecond: try row.number("pairs_per_second"),
                                       seconds: try row.number("seconds"),
                                       validationAUC: try row.optionalNumber("validation_auc"),
                                       createdAt: try row.date("created_at"))
        }
    }

    /// The stored duplicate threshold: NULL, or a cosine in [-1, 1].
    private static func threshold(_ row: StoredRow) throws(IndexError) -> Float? {
        guard let value = try row.optionalNumber("threshold") else { return nil }
        guard value >= -1 && value <= 1 else { throw row.corrupt("threshold", "is \(value), not a cosine in [-1, 1]") }
        return Float(value)
    }

    private static func notFound(_ db: Database, name: String, path: String) throws -> IndexError {
        // Names as SQLite prints them: any stored type reads as text here.
        let names = try String.fetchAll(db, sql: "SELECT CAST(name AS TEXT) FROM model WHERE name IS NOT NULL AND state = 'ready' ORDER BY name")
        return names.isEmpty ? .noModel(path: path) : .modelNotFound(path: path, name: name, available: names)
    }

    /// Rows (id, text, count) of `sql`, ordered by id, whose ids must run 0, 1, 2, … .
    /// - Parameter columns: the id and text columns of the SQL table `sqlTable`, selected by `sql` with `count`.
    static func fetchCountedStrings(_ db: Database, sql: String, modelID: Int64, table: String,
                                            sqlTable: String, columns: (id: String, text: String), path: String,
                                            corrupt: (String) -> IndexError) throws -> ([String], [Int]) {
        if let fetched = try fetchWellFormedCountedStrings(db, sql: sql, modelID: modelID, path: path) { return fetched }
        var texts: [String] = [], counts: [Int] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: [modelID])
        while let fetched = try rows.next() {
            let row = StoredRow(fetched, table: sqlTable, name: "\(columns.id) \(texts.count) of model id \(modelID)",
                                path: path)
            guard try row.integer(columns.id) == texts.count else {
                throw corrupt("its \(table) ids are not contiguous from 0 (id \(texts.count) is missing)")
            }
            texts.append(try row.text(columns.text))
            counts.append(try row.integer("count", in: 0...Int.max))
        }
        return (texts, counts)
    }

    /// The rows of `sql` (id, text, count) read straight from SQLite when every one is well formed (an integer
    /// id contiguous from 0, text, an integer count ≥ 0): a model's 50,000 sub-words load in a few milliseconds
    /// instead of tens through GRDB rows. Nil when any row is not: the checked path then names the problem.
    private static func fetchWellFormedCountedStrings(_ db: Database, sql: String, modelID: Int64,
                                                      path: String) throws -> ([String], [Int])? {
        let statement = try RawStatement(db, path: path, sql: sql)
        sqlite3_bind_int64(statement.handle, 1, modelID)
        var texts: [String] = [], counts: [Int] = []
        while try statement.step() {
            let handle = statement.handle
            guard sqlite3_column_type(handle, 0) == SQLITE_INTEGER, sqlite3_column_int64(handle, 0) == Int64(texts.count),
                  sqlite3_column_type(handle, 1) == SQLITE_TEXT, let text = sqlite3_column_text(handle, 1),
                  sqlite3_column_type(handle, 2) == SQLITE_INTEGER, let count = Int(exactly: sqlite3_column_int64(handle, 2)),
                  count >= 0 else { return nil }
            texts.append(String(cString: text))
            counts.append(count)
        }
        return (texts, counts)
    }

    /// The stored tensors, each checked: shape a JSON array of non-negative integers, BLOB of 4 · product bytes.
    private static func loadTensors(_ db: Database, modelID: Int64, modelName: String,
                                    path: String) throws -> [NamedTensor] {
        if let tensors = try loadWellFormedTensors(db, modelID: modelID, path: path) { return tensors }
        let rows = try Row.fetchCursor(db, sql: "SELECT name, shape, data FROM weight WHERE model_id = ? ORDER BY name",
                                       arguments: [modelID])
        var tensors: [NamedTensor] = []
        while let fetched = try rows.next() {
            var row = StoredRow(fetched, table: "weight", name: "a weight of model \"\(modelName)\"", path: path)
            let name = try row.text("name")
            row.name = "weight \"\(name)\" of model \"\(modelName)\""
            func corrupt(_ reason: String) -> IndexError {
                .corruptWeight(path: path, model: modelName, weight: name, reason: reason)
            }
            let shapeText = try row.text("shape")
            guard let shape = tensorShape(shapeText) else { throw corrupt("its shape \(shapeText) is not a list of sizes") }
            let expectedBytes = tensorBytes(shape)
            let data = try row.blob("data")
            guard let expectedBytes, data.count == expectedBytes, let values = FloatBlob.floats(data) else {
                let needed = expectedBytes.map(IndexError.bytes) ?? "more than can exist"
                throw corrupt("it has \(IndexError.bytes(data.count)) of data; shape \(shape) needs \(needed)")
            }
            // A diverged training run used to store NaN weights: they would encode every question as NaN.
            guard NamedTensor.allFinite(values) else { throw corrupt("it holds values that are not finite numbers") }
            tensors.append(NamedTensor(name: name, shape: shape, values: values))
        }
        return tensors
    }

    /// The stored tensors read straight from SQLite when every one is well formed: text name, a shape of
    /// non-negative sizes, a BLOB of 4 · product bytes, finite values. Each BLOB goes from the database pages
    /// into its array (`BlobReader`), not through a copy of the whole value: a 25 MB sub-word table otherwise
    /// costs two buffers' page faults and copies. Nil when any tensor is not well formed: the checked path
    /// (`loadTensors`) then names the problem.
    private static func loadWellFormedTensors(_ db: Database, modelID: Int64, path: String) throws -> [NamedTensor]? {
        let statement = try RawStatement(db, path: path, sql: """
            SELECT rowid, name, shape, typeof(data), length(data) FROM weight WHERE model_id = ? ORDER BY name
            """)
        sqlite3_bind_int64(statement.handle, 1, modelID)
        let reader = try BlobReader(db, path: path, table: "weight")
        var tensors: [NamedTensor] = []
        while try statement.step() {
            let handle = statement.handle
            guard sqlite3_column_type(handle, 1) == SQLITE_TEXT, let name = sqlite3_column_text(handle, 1),
                  sqlite3_column_type(handle, 2) == SQLITE_TEXT, let shapeText = sqlite3_column_text(handle, 2),
                  let shape = tensorShape(String(cString: shapeText)),
                  let type = sqlite3_column_text(handle, 3), String(cString: type) == "blob" else { return nil }
            let bytes = Int(sqlite3_column_int64(handle, 4))
            guard let expected = tensorBytes(shape), bytes == expected else { return nil }
            let count = bytes / 4
            var found: Int?
            let values = try [Float](unsafeUninitializedCapacity: count) { values, initialized in
                if count > 0 {
                    found = try reader.read("data", row: sqlite3_column_int64(handle, 0), into: values.baseAddress!,
                                            bytes: bytes)
                    #if !_endian(little)
                    for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
                    #endif
                }
                initialized = found == nil ? count : 0
            }
            guard found == nil, NamedTensor.allFinite(values) else { return nil }
            tensors.append(NamedTensor(name: String(cString: name), shape: shape, values: values))
        }
        return tensors
    }
}

/// A stored tensor shape: a JSON array of non-negative sizes; nil for anything else.
private func tensorShape(_ text: String) -> [Int]? {
    guard let shape = try? JSONDecoder().decode([Int].self, from: Data(text.utf8)), shape.allSatisfy({ $0 >= 0 })
    else { return nil }
    return shape
}

/// The bytes of a Float32 tensor of `shape` (4 · product), nil when that overflows.
private func tensorBytes(_ shape: [Int]) -> Int? {
    shape.reduce(Optional(4)) { bytes, size in
        bytes.flatMap { bytes in
            let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
            return overflow ? nil : product
        }
    }
}

/// A model's stored parts as `QuestionStore.readModelParts` read them, every stored value checked.
struct ModelParts: Sendable {
    let path: String
    let id: Int64
    let name: String
    let config: ModelConfig
    let threshold: Float?
    let createdAt: Date
    let epochs: [TrainingEpochRecord]
    let calibration: ModelCalibration?
    let tokens: [String], tokenCounts: [Int]
    let ngrams: [String], ngramCounts: [Int]
    let tensors: [NamedTensor]

    private func corrupt(_ reason: String) -> IndexError {
        .corruptModel(path: path, model: name, reason: reason)
    }

    /// The model: its vocabulary (ids checked contiguous from 0, tokens unique), its sub-word vocabulary (nil when
    /// it has none; n-grams unique, and present exactly when the configuration uses them) and its weights.
    /// - Throws: `IndexError.corruptModel` when the parts do not make a valid model.
    func build() throws(IndexError) -> StoredModel {
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(tokens: tokens, counts: tokenCounts) } catch { throw corrupt(String(describing: error)) }
        var subwords: SubwordVocabulary?
        if !ngrams.isEmpty {
            guard config.usesSubwords else {
                throw corrupt("it has \(ngrams.count) sub-words but its configuration has sub-words off")
            }
            do {
                subwords = try SubwordVocabulary(ngrams: ngrams, counts: ngramCounts, minN: config.subwordMinN,
                                                 maxN: config.subwordMaxN)
            } catch {
                throw corrupt(String(describing: error))
            }
        }
        let subwordRows = tensors.first { $0.name == EncoderWeights.subwordTensorName }?.shape.first ?? 0
        guard subwordRows == (subwords?.count ?? 0) else {
            throw corrupt("its sub-word vocabulary has \(subwords?.count ?? 0) n-grams but weight "
                          + "\"\(EncoderWeights.subwordTensorName)\" has \(subwordRows) rows")
        }
        let model: SiameseModel
        do {
            model = try SiameseModel(config: config, vocabulary: vocabulary, subwords: subwords, tensors: tensors)
        } catch {
            throw corrupt(String(describing: error))
        }
        return StoredModel(id: id, name: name, model: model, threshold: threshold, createdAt: createdAt,
                           epochs: epochs, calibration: calibration)
    }
}
