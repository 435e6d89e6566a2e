/// Upper bounds of the configuration values: far above any useful setting, low enough that no size computed
/// from them overflows or asks for more memory than a machine has. They apply to a configuration given on the
/// command line and to one read back from a database alike (`ModelConfig.validate`).
extension ModelConfig {
    /// The bound `validate` checks the dimension against (a database's dimension column is read with it too).
    public static let maximumDimension = 4096
    /// The most members (`ModelConfig.members`) `validate` accepts.
    public static let maximumMembers = 64
    /// The most epochs `validate` accepts.
    public static let maximumEpochs = 100_000
    /// Training builds a batch × batch similarity matrix: 16,384² floats are 1 GiB.
    public static let maximumBatchSize = 16_384
    /// The most tokens per question (`maxTokens`) `validate` accepts.
    public static let maximumTokens = 100_000
    /// The largest `maxVocabularySize`: word ids are stored as `Int32`.
    public static let maximumVocabularySize = Int(Int32.max)
    /// The largest `maxSubwords` `validate` accepts.
    public static let maximumSubwords = 10_000_000
    /// Cosines differ by at most 2, so a larger margin only makes every pair a violation.
    public static let maximumMargin: Float = 4
    /// The largest `nonDuplicateWeight` `validate` accepts.
    public static let maximumNonDuplicateWeight: Float = 1_000

    /// Checks the upper bounds, with a message naming the value.
    func validateLimits() throws {
        func require(_ ok: Bool, _ message: String) throws {
            if !ok { throw ModelConfigError.invalid(message) }
        }
        try require(epochs <= Self.maximumEpochs, "epochs must be at most \(Self.maximumEpochs), got \(epochs)")
        try require(batchSize <= Self.maximumBatchSize,
                    "batch size must be at most \(Self.maximumBatchSize), got \(batchSize)")
        try require(maxTokens <= Self.maximumTokens, "max tokens must be at most \(Self.maximumTokens), got \(maxTokens)")
        try require(maxVocabularySize.map { $0 <= Self.maximumVocabularySize } ?? true,
                    "max vocabulary size must be at most \(Self.maximumVocabularySize)")
        try require(maxSubwords <= Self.maximumSubwords,
                    "max sub-words must be at most \(Self.maximumSubwords), got \(maxSubwords)")
        try require(margin <= Self.maximumMargin, "margin must be at most \(Self.maximumMargin), got \(margin)")
        try require(nonDuplicateWeight <= Self.maximumNonDuplicateWeight,
                    "non-duplicate weight must be at most \(Self.maximumNonDuplicateWeight), got \(nonDuplicateWeight)")
    }
}
