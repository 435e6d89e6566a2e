import Foundation
import GRDB

/// The errors a user of the index sees: each names the database (or input) and the problem in one line,
/// so the CLI can print `description` as it is, with no stack trace.
public enum IndexError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// A read-only open of a database file that does not exist (or holds no index yet).
    case noIndex(path: String)
    /// The file exists but is not a SQLite database; it was not modified.
    case notADatabase(path: String)
    /// A SQLite database that holds other tables and no siamese schema; it was not modified.
    case notAnIndex(path: String)
    /// The database has migrations applied that this build does not know.
    case newerSchema(path: String, found: String, known: String)
    /// A read-only open of an index whose schema needs migrations that only a writing command applies.
    case olderSchema(path: String, found: String, needed: String)
    /// SQLite could not open or create the file.
    case cannotOpen(path: String, reason: String)
    /// A write on a store opened read-only.
    case readOnly(path: String)
    /// Another process holds the database lock for longer than the busy timeout.
    case busy(path: String)
    /// The index holds no model.
    case noModel(path: String)
    /// No model has this name; `available` lists the names that exist.
    case modelNotFound(path: String, name: String, available: [String])
    /// No model has this id (ids come from `loadModel` or `modelSummaries`).
    case modelIDNotFound(path: String, id: Int64)
    /// A training run ended but the model it was to replace (or the name it was to take) changed meanwhile.
    case modelChangedDuringTraining(path: String, name: String, created: Bool)
    /// A model name must not be empty.
    case invalidModelName(String)
    /// A stored model cannot be restored: bad configuration, vocabulary or set of weights.
    case corruptModel(path: String, model: String, reason: String)
    /// One stored weight tensor has a bad shape or a BLOB of the wrong size.
    case corruptWeight(path: String, model: String, weight: String, reason: String)
    /// A training epoch record with a value SQLite cannot store faithfully (NaN becomes NULL).
    case invalidEpochRecord(model: String, epoch: Int, reason: String)
    /// A duplicate threshold must be a cosine: finite, between -1 and 1.
    case invalidThreshold(Float)
    /// A question has no words after normalization; `index` is its 0-based position in the input.
    case emptyQuestion(source: String, index: Int)
    /// The row on `line` (1-based) of `source` has no words after normalization.
    case rowWithoutWords(source: String, line: Int)
    /// An embedding names a question id that is not in the index.
    case questionNotFound(path: String, id: Int64)
    /// `remove` was asked for something the index does not hold; nothing was removed.
    case nothingToRemove(path: String, what: String)
    /// An embedding to store has the wrong number of values for its model.
    case embeddingSize(model: String, questionID: Int64, found: Int, expected: Int)
    /// A block of embeddings to store does not hold `questions` · `dimension` values.
    case embeddingBlockSize(model: String, questions: Int, values: Int, dimension: Int)
    /// An embedding to store is not a unit vector (or is not finite).
    case embeddingNotUnit(model: String, questionID: Int64, norm: Float)
    /// A stored embedding BLOB has the wrong size.
    case corruptEmbedding(path: String, model: String, questionID: Int64, bytes: Int, expected: Int)
    /// A value read back from the database has the wrong type or an impossible value (the file was changed by
    /// something else than siamese); `row` names the row, `problem` completes "TABLE.COLUMN of ROW …".
    case corruptValue(path: String, table: String, column: String, row: String, problem: String)
    /// Any other SQLite failure, with SQLite's message.
    case database(path: String, message: String)

    /// A one-line message for the user, naming the database path and, where one helps, the command to run.
    public var description: String {
        switch self {
        case .noIndex(let path):
            return "no index at \(path); create one with `siamese train --db \(path.shellQuoted) --pairs FILE`"
        case .notADatabase(let path):
            return "\(path) is not a SQLite database"
        case .notAnIndex(let path):
            return "\(path) is a SQLite database but not a siamese index"
        case .newerSchema(let path, let found, let known):
            return "\(path) was written by a newer version of siamese (schema \(found); this build knows up to \(known))"
        case .olderSchema(let path, let found, let needed):
            return "\(path) has schema \(found) and this build needs \(needed); "
                + "run a command that writes to it (e.g. `siamese index`) to upgrade it"
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .readOnly(let path):
            return "\(path) is open read-only and cannot be changed"
        case .busy(let path):
            return "\(path) is locked by another process; try again when it has finished"
        case .noModel(let path):
            return "no model in \(path); train one with `siamese train --db \(path.shellQuoted) --pairs FILE`"
        case .modelNotFound(let path, let name, let available):
            let known = available.isEmpty ? "it has none" : "it has " + available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "no model named \"\(name)\" in \(path) (\(known))"
        case .modelIDNotFound(let path, let id):
            return "the model this command works with (id \(id)) is no longer in \(path): it was replaced by a new "
                + "training run or removed while the command ran; run the command again"
        case .modelChangedDuringTraining(let path, let name, let created):
            return created
                ? "another run created a model \"\(name)\" in \(path) while this one trained; it was kept and this "
                    + "run's model was discarded (train again with --force to replace it, or pick another --model)"
                : "the model \"\(name)\" in \(path) was replaced by another run while this one trained; it was kept "
                    + "and this run's model was discarded"
        case .invalidModelName(let name):
            return "invalid model name \"\(name)\": it must not be empty"
        case .corruptModel(let path, let model, let reason):
            return "model \"\(model)\" in \(path) cannot be loaded: \(reason)"
        case .corruptWeight(let path, let model, let weight, let reason):
            return "weight \"\(weight)\" of model \"\(model)\" in \(path) is corrupt: \(reason)"
        case .invalidEpochRecord(let model, let epoch, let reason):
            return "epoch \(epoch) of model \"\(model)\" was not saved: \(reason)"
        case .invalidThreshold(let value):
            return "invalid threshold \(value): it must be a cosine between -1 and 1"
        case .emptyQuestion(let source, let index):
            return "\(source): question \(index + 1) has no words"
        case .questionNotFound(let path, let id):
            return "no question with id \(id) in \(path)"
        case .rowWithoutWords(let source, let line):
            return "\(source):\(line): the question has no words"
        case .nothingToRemove(let path, let what):
            return "\(path) has no \(what); nothing was removed"
        case .embeddingSize(let model, let questionID, let found, let expected):
            return "embedding of question \(questionID) for model \"\(model)\" has \(found) values, expected \(expected)"
        case .embeddingBlockSize(let model, let questions, let values, let dimension):
            return "embeddings of \(questions) questions for model \"\(model)\" (dimension \(dimension)) "
                + "need \(questions * dimension) values, got \(values)"
        case .embeddingNotUnit(let model, let questionID, let norm):
            return "embedding of question \(questionID) for model \"\(model)\" has norm \(norm), expected a unit vector"
        case .corruptEmbedding(let path, let model, let questionID, let bytes, let expected):
            return "embedding of question \(questionID) for model \"\(model)\" in \(path) is corrupt: "
                + "it has \(Self.bytes(bytes)), expected \(Self.bytes(expected))"
        case .corruptValue(let path, let table, let column, let row, let problem):
            return "\(path) is corrupt: \(table).\(column) of \(row) \(problem)"
        case .database(let path, let message):
            return "\(path): SQLite error: \(message)"
        }
    }

    /// The same message as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }

    /// "1 byte", "16 bytes".
    static func bytes(_ count: Int) -> String { count == 1 ? "1 byte" : "\(count) bytes" }

    /// Turns any error raised while working on the database at `path` into an `IndexError`.
    init(translating error: any Error, path: String) {
        if let error = error as? IndexError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self = .database(path: path, message: String(describing: error))
            return
        }
        switch error.resultCode {
        case .SQLITE_NOTADB: self = .notADatabase(path: path)
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .busy(path: path)
        case .SQLITE_READONLY: self = .readOnly(path: path)
        case .SQLITE_CANTOPEN: self = .cannotOpen(path: path, reason: error.message ?? "unable to open the database file")
        default: self = .database(path: path, message: error.message ?? "\(error.resultCode)")
        }
    }
}
