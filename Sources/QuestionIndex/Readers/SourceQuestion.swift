/// One question to add to the index, as read from an input file.
public struct SourceQuestion: Sendable, Hashable {
    /// The question, trimmed of surrounding white space; never empty.
    public var text: String
    /// The id the file gives the question (`id`, `qid1` or `qid2`), kept so results can point back to it.
    public var externalID: String?
    /// The 1-based physical line the question's row starts on, header included.
    public var line: Int

    /// A question read from line `line`, with the file's id for it if any.
    public init(text: String, externalID: String? = nil, line: Int) {
        self.text = text
        self.externalID = externalID
        self.line = line
    }
}
