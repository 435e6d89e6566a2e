/// A batch of token sequences laid out so that no work is spent on padding.
///
/// Sequences are sorted by length, longest first (ties keep input order). At time step t only the
/// `stepSizes[t]` sequences still running take part, and they are the first ones in sorted order,
/// so the rows of step t are one contiguous block `rowOffsets[t] ..< rowOffsets[t] + stepSizes[t]`
/// of the packed token list — the layout of PyTorch's `PackedSequence`.
struct PackedBatch: Sendable {
    /// Number of sequences.
    let count: Int
    /// `order[p]` is the input index of the sequence at sorted position p.
    let order: [Int]
    /// Lengths in sorted order (non-increasing, all ≥ 1).
    let lengths: [Int]
    /// Number of sequences running at each time step.
    let stepSizes: [Int]
    /// First packed row of each time step.
    let rowOffsets: [Int]
    /// Token ids, packed: rows of step 0, then of step 1, …  [totalRows]
    let tokens: [Int32]
    /// Sub-words of each packed row in CSR form: row r's are `subwords[subwordOffsets[r] ..< subwordOffsets[r + 1]]`.
    /// Empty when no row of the batch has sub-words (the encoder then reads word rows only, as without the feature).
    let subwordOffsets: [Int32]
    let subwords: [Int32]

    var totalRows: Int { tokens.count }
    var steps: Int { stepSizes.count }
    var hasSubwords: Bool { !subwordOffsets.isEmpty }

    /// Packs `sequences` of word ids (no sub-words), checking that each is non-empty and within the vocabulary.
    init(_ sequences: [[Int32]], vocabularySize: Int) throws {
        try self.init(sequences.map { TokenizedQuestion(words: $0) }, vocabularySize: vocabularySize, subwordCount: 0)
    }

    /// Packs `questions`, checking that each is non-empty, its word ids within the vocabulary and its
    /// sub-word ids within the sub-word vocabulary.
    init(_ questions: [TokenizedQuestion], vocabularySize: Int, subwordCount: Int) throws {
        var anySubwords = false
        for (index, question) in questions.enumerated() {
            guard !question.isEmpty else { throw EncoderError.emptyQuestion(index: index) }
            for token in question.words where token < 0 || Int(token) >= vocabularySize {
                throw EncoderError.tokenOutOfRange(index: index, token: token, vocabularySize: vocabularySize)
            }
            for subword in question.subwords where subword < 0 || Int(subword) >= subwordCount {
                throw EncoderError.subwordOutOfRange(index: index, subword: subword, subwordCount: subwordCount)
            }
            if !question.subwords.isEmpty { anySubwords = true }
        }
        count = questions.count
        order = questions.indices.sorted {
            questions[$0].count != questions[$1].count ? questions[$0].count > questions[$1].count : $0 < $1
        }
        lengths = order.map { questions[$0].count }
        let steps = lengths.first ?? 0
        var stepSizes = [Int](repeating: 0, count: steps)
        var running = count
        for t in 0..<steps {
            while running > 0 && lengths[running - 1] <= t { running -= 1 }
            stepSizes[t] = running
        }
        var rowOffsets = [Int](repeating: 0, count: steps)
        let totalRows = lengths.reduce(0, +)
        var tokens: [Int32] = []
        tokens.reserveCapacity(totalRows)
        var subwordOffsets: [Int32] = [], subwords: [Int32] = []
        if anySubwords {
            subwordOffsets.reserveCapacity(totalRows + 1)
            subwordOffsets.append(0)
            subwords.reserveCapacity(questions.reduce(0) { $0 + $1.subwords.count })
        }
        for t in 0..<steps {
            rowOffsets[t] = tokens.count
            for p in 0..<stepSizes[t] {
                let question = questions[order[p]]
                tokens.append(question.words[t])
                if anySubwords {
                    subwords += question.subwords[question.subwordRange(of: t)]
                    subwordOffsets.append(Int32(subwords.count))
                }
            }
        }
        self.stepSizes = stepSizes
        self.rowOffsets = rowOffsets
        self.tokens = tokens
        self.subwordOffsets = subwordOffsets
        self.subwords = subwords
    }

    /// For each packed row, its row when every sequence is read backwards: token t of the sequence at sorted
    /// position p (length L) becomes its token L − 1 − t, which the same packing puts at
    /// `rowOffsets[L − 1 − t] + p` (the sorted order and the step sizes do not change).
    func reversedRows() -> [Int] {
        var result = [Int](repeating: 0, count: totalRows)
        for t in 0..<steps {
            for p in 0..<stepSizes[t] {
                result[rowOffsets[t] + p] = rowOffsets[lengths[p] - 1 - t] + p
            }
        }
        return result
    }
}
