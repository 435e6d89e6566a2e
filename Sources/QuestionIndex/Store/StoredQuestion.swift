import Foundation

/// A question as stored in the index: one distinct text, embedded once, and the input rows that named it.
public struct StoredQuestion: Sendable, Equatable {
    /// The question's row id; its vectors and search results refer to it.
    public let id: Int64
    /// The text as it was first added.
    public let text: String
    /// When the question was first added.
    public let createdAt: Date
    /// The input rows that name this question, oldest first; never empty (a question whose last row is
    /// removed is removed with it).
    public let entries: [QuestionEntry]

    /// The first external id its rows give it, if any.
    public var externalID: String? { entries.lazy.compactMap(\.externalID).first }
    /// Every external id its rows give it, oldest first.
    public var externalIDs: [String] { entries.compactMap(\.externalID) }
    /// Where it was first added from (typically the input file name).
    public var source: String { entries.first?.source ?? "" }
}

/// One input row that named a stored question: its identity in the user's own files.
public struct QuestionEntry: Sendable, Equatable {
    /// The row's own id in the index.
    public let id: Int64
    /// The input's name: the file name, or what `index --source` gave. External ids are unique per source.
    public let source: String
    /// The id the row gave (an `id`, `qid1` or `qid2` column), if any.
    public let externalID: String?
    /// The 1-based line of the row in its file; nil when not known (rows stored before schema 0008).
    public let line: Int?
    /// The row's own spelling of the question.
    public let text: String
    /// When the row was first added.
    public let createdAt: Date
    /// When the row was last changed.
    public let updatedAt: Date
}

/// What adding input rows to the index did.
public struct IndexedRows: Sendable, Equatable {
    /// The questions created, in input order: texts new to the index, each to be embedded once.
    public var addedQuestions: [Int64] = []
    /// Rows recorded for the first time (a new external id, or a row without one not seen before).
    public var newRows = 0
    /// Rows whose external id was stored with another question, now moved to this row's text.
    public var updatedRows = 0
    /// Rows already stored as they are.
    public var unchangedRows = 0
    /// Rows that repeat an earlier row of the same input with the same id and text (a pair file names a question
    /// on every pair it is in); the first of them stands for all.
    public var repeatedRows = 0
    /// Rows the input no longer has, removed: texts an external id of the input no longer names, and with a sync
    /// every row of the source the input lacks.
    public var removedRows = 0
    /// Rows left out as bad (`addRows(skipBad: true)`), in input order.
    public var skipped: [SkippedRow] = []
    /// Questions removed because no row names them any more (an update moved their last row away, or a sync
    /// removed it), with their vectors.
    public var removedQuestions = 0

    /// An empty tally: nothing added, updated or removed.
    public init() {}

    /// Adds the counts of `other` (another input of the same command) to these.
    public mutating func add(_ other: IndexedRows) {
        addedQuestions += other.addedQuestions
        newRows += other.newRows
        updatedRows += other.updatedRows
        unchangedRows += other.unchangedRows
        repeatedRows += other.repeatedRows
        removedRows += other.removedRows
        removedQuestions += other.removedQuestions
        skipped += other.skipped
    }
}

/// An input row `addRows(skipBad: true)` left out, and why.
public struct SkippedRow: Sendable, Equatable {
    /// Its 1-based line, nil when the rows came without lines.
    public var line: Int?
    /// The error it would have been, e.g. "faq.csv:4: the question has no words".
    public var problem: String
}
