/// Two questions and, for labelled data, whether they ask the same thing: one row of a pair file.
public struct QuestionPair: Sendable, Hashable {
    /// The first question, trimmed of surrounding white space.
    public var question1: String
    /// The second question, trimmed of surrounding white space.
    public var question2: String
    /// The `is_duplicate` (or `label`) value; nil when the file has no label column.
    public var isDuplicate: Bool?
    /// External ids of the two questions (`qid1`, `qid2`); nil when the column is absent or the field empty.
    public var qid1: String?
    /// The external id of `question2`, as `qid1` is of `question1`.
    public var qid2: String?
    /// The row id (`id`); nil when the column is absent or the field empty.
    public var id: String?
    /// The 1-based physical line the row starts on, header included, for messages that point into the file.
    public var line: Int

    /// A pair as a reader makes it; ids default to absent.
    public init(
        question1: String, question2: String, isDuplicate: Bool?,
        qid1: String? = nil, qid2: String? = nil, line: Int, id: String? = nil
    ) {
        self.question1 = question1
        self.question2 = question2
        self.isDuplicate = isDuplicate
        self.qid1 = qid1
        self.qid2 = qid2
        self.line = line
        self.id = id
    }
}
