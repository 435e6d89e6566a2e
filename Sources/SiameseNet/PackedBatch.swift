/// A batch of token sequences laid out so that no work is spent on padding.
///
/// Sequences are sorted by length, longest first (ties keep input order). At time step t only the
/// `stepSizes[t]` sequences still running take part, and they are the first ones in sorted order,
/// so the rows of step t are one contiguous block `rowOffsets[t] ..< rowOffsets[t] + stepSizes[t]`
/// of the packed token list — the layout of PyTorch's `PackedSequence`.
public struct PackedBatch: Sendable {
    /// Number of sequences.
    public let count: Int
    /// `order[p]` is the input index of the sequence at sorted position p.
    public let order: [Int]
    /// Lengths in sorted order (non-increasing, all ≥ 1).
    public let lengths: [Int]
    /// Number of sequences running at each time step.
    public let stepSizes: [Int]
    /// First packed row of each time step.
    public let rowOffsets: [Int]
    /// Token ids, packed: rows of step 0, then of step 1, …  [totalRows]
    public let tokens: [Int32]

    public var totalRows: Int { tokens.count }
    public var steps: Int { stepSizes.count }

    /// Packs `sequences`, checking that each is non-empty and within the vocabulary.
    public init(_ sequences: [[Int32]], vocabularySize: Int) throws {
        for (index, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else { throw EncoderError.emptyQuestion(index: index) }
            for token in sequence where token < 0 || Int(token) >= vocabularySize {
                throw EncoderError.tokenOutOfRange(index: index, token: token, vocabularySize: vocabularySize)
            }
        }
        count = sequences.count
        order = sequences.indices.sorted {
            sequences[$0].count != sequences[$1].count ? sequences[$0].count > sequences[$1].count : $0 < $1
        }
        lengths = order.map { sequences[$0].count }
        let steps = lengths.first ?? 0
        var stepSizes = [Int](repeating: 0, count: steps)
        var running = count
        for t in 0..<steps {
            while running > 0 && lengths[running - 1] <= t { running -= 1 }
            stepSizes[t] = running
        }
        var rowOffsets = [Int](repeating: 0, count: steps)
        var tokens: [Int32] = []
        tokens.reserveCapacity(lengths.reduce(0, +))
        for t in 0..<steps {
            rowOffsets[t] = tokens.count
            for p in 0..<stepSizes[t] { tokens.append(sequences[order[p]][t]) }
        }
        self.stepSizes = stepSizes
        self.rowOffsets = rowOffsets
        self.tokens = tokens
    }
}
