import SiameseNet

/// A seeded, question-disjoint split of a labelled pair file into training and validation rows, for
/// `siamese train` without `--dev`: the validation rows pick the best epoch and calibrate the threshold.
///
/// Rows are grouped into connected components of the question graph (every row is an edge, whatever its
/// label; questions keyed by qid, else normalized text), and whole components go to one side, so no
/// question of a validation row is trained on — the way Quora's dev and train files were split. Components
/// are taken in a seeded random order while they fit in `fraction` of the rows.
public struct ValidationSplit: Sendable {
    /// The rows to train on.
    public var training: [QuestionPair] = []
    /// The held-out rows, sharing no question with `training`.
    public var validation: [QuestionPair] = []

    /// The fewest validation rows of each label worth calibrating a threshold on.
    public static let minimumRowsPerLabel = 20

    /// Splits `pairs`; nil when no split holds out at least half of `fraction` with `minimumRowsPerLabel`
    /// rows of each label (e.g. one component holds nearly every row, as in a small FAQ whose questions
    /// all link up).
    /// - Parameters:
    ///   - fraction: the share of rows to hold out, in (0, 1).
    ///   - seed: the split is a function of the rows and the seed.
    public init?(pairs: [QuestionPair], fraction: Double, seed: UInt64, maxTokens: Int = 64) {
        precondition(fraction > 0 && fraction < 1)
        let tokenizer = Tokenizer(maxTokens: maxTokens)
        let keys = pairs.map { QuestionKey.of($0, tokenizer: tokenizer) }
        var components = DuplicateClusters()
        for key in keys { components.join(key.0, key.1) }
        var rowsOfComponent: [Int: [Int]] = [:]
        var roots: [Int] = []  // in order of first appearance, so the split depends only on rows and seed
        for (row, key) in keys.enumerated() {
            let root = components.root(of: key.0)
            if rowsOfComponent[root] == nil { roots.append(root) }
            rowsOfComponent[root, default: []].append(row)
        }
        var generator = SeededGenerator(seed: seed ^ 0x0DE7_0DE7_0DE7_0DE7)
        generator.shuffle(&roots)
        let target = Int((Double(pairs.count) * fraction).rounded())
        var heldOut = [Bool](repeating: false, count: pairs.count)
        var held = 0
        for root in roots {
            let rows = rowsOfComponent[root] ?? []
            guard held + rows.count <= target else { continue }
            for row in rows { heldOut[row] = true }
            held += rows.count
        }
        for (row, pair) in pairs.enumerated() {
            if heldOut[row] { validation.append(pair) } else { training.append(pair) }
        }
        let duplicates = validation.filter { $0.isDuplicate == true }.count
        let nonDuplicates = validation.filter { $0.isDuplicate == false }.count
        guard 2 * held >= target, min(duplicates, nonDuplicates) >= Self.minimumRowsPerLabel,
              training.contains(where: { $0.isDuplicate ?? true }) else { return nil }
    }
}
