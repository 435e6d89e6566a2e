import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Train: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on duplicate question pairs and save it in the index.",
        discussion: """
            PAIRS is a TSV or CSV file with a header and question1, question2 columns (optional: is_duplicate, \
            qid1, qid2). Duplicate rows are trained on; non-duplicate rows too when --non-duplicate-weight is \
            above 0. Validation pairs (--dev, else a question-disjoint --validation-fraction of PAIRS held out) \
            are scored after every epoch: the epoch with the best validation ROC-AUC is the one kept, and the \
            duplicate threshold is the best-accuracy cut on them. The best epoch so far is always saved, so an \
            interrupted run keeps it. A model name that exists is refused unless --force replaces it. The \
            questions already stored are embedded with the new model before it replaces the old one, in one \
            transaction: queries meanwhile use the old model and its vectors.
            """)

    @Option(name: .long, help: ArgumentHelp("Labelled question pairs to train on.", valueName: "file"),
            completion: .file())
    var pairs: String

    @Option(name: .long, help: ArgumentHelp("Labelled pairs that pick the best epoch and calibrate the threshold.",
                                            valueName: "file"), completion: .file())
    var dev: String?

    @Option(name: .long, help: ArgumentHelp(
        "Without --dev: the share of PAIRS held out (whole question clusters, seeded) for validation; 0 for none.",
        valueName: "fraction"))
    var validationFraction = 0.1

    @Option(name: .long, help: "Weight of the margin loss on labelled non-duplicate pairs (0: duplicates only).")
    var nonDuplicateWeight = ModelConfig.recommended.nonDuplicateWeight

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: "Name of the model to create.")
    var model = "default"

    @Option(name: .long, help: "Passes over the training pairs.")
    var epochs = ModelConfig.recommended.epochs

    @Option(name: .long, help: "Duplicate pairs per batch.")
    var batchSize = ModelConfig.recommended.batchSize

    @Option(name: .long, help: "Width of the embedding and of the LSTM.")
    var dimension = ModelConfig.recommended.dimension

    @Option(name: .long, help: ArgumentHelp(
        "LSTM directions: 1, or 2 (each question also read from its last word back, d/2 values per direction).",
        valueName: "n"))
    var directions = ModelConfig.recommended.bidirectional ? 2 : 1

    @Option(name: .long, help: ArgumentHelp(
        "Encoders trained independently, d/members values each; a question's vector is theirs side by side.",
        valueName: "n"))
    var members = ModelConfig.recommended.members

    @Option(name: .long, help: "Adam's learning rate.")
    var learningRate = ModelConfig.recommended.learningRate

    @Option(name: .long, help: "Training only: drop each value of a token's input vector at this rate (0: off).")
    var inputDropout = ModelConfig.recommended.inputDropout

    @Option(name: .long, help: ArgumentHelp(
        "Also train on duplicates implied by the labels (A~B, B~C: A~C), up to this many per labelled pair of a cluster.",
        valueName: "ratio"))
    var impliedPairs = ModelConfig.recommended.impliedPairRatio

    @Option(name: .long, help: "The triplet loss margin α.")
    var margin = ModelConfig.recommended.margin

    @Option(name: .long, help: "Clip the gradient's global norm to this value.")
    var clipNorm: Float?

    @Option(name: .long, help: "Words seen fewer times become <UNK>.")
    var minCount = ModelConfig.recommended.minCount

    @Option(name: .long, help: "Most vocabulary entries.")
    var maxVocabulary: Int?

    @Option(name: .long, help: "Tokens kept per question; the rest is ignored.")
    var maxTokens = ModelConfig.recommended.maxTokens

    @Option(name: .long, help: "Most character n-grams (sub-words) for unseen and misspelt words; 0 turns them off.")
    var maxSubwords = ModelConfig.recommended.maxSubwords

    @Option(name: .long, help: "Shortest sub-word n-gram, in characters of <word>.")
    var subwordMinN = ModelConfig.recommended.subwordMinN

    @Option(name: .long, help: "Longest sub-word n-gram.")
    var subwordMaxN = ModelConfig.recommended.subwordMaxN

    @Option(name: .long, help: "Sub-word n-grams found in fewer distinct vocabulary words are left out.")
    var subwordMinCount = ModelConfig.recommended.subwordMinCount

    @Option(name: .long, help: "Seed for initialization and shuffling.")
    var seed: UInt64 = ModelConfig.recommended.seed

    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Skip malformed rows (counted) instead of stopping at the first.")
    var skipBad = false

    @Flag(name: .long, help: "Replace a model of the same name.")
    var force = false

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    var config: ModelConfig {
        var config = ModelConfig.recommended
        config.dimension = dimension
        config.bidirectional = directions == 2
        config.members = members
        config.maxTokens = maxTokens
        config.minCount = minCount
        config.maxVocabularySize = maxVocabulary
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.inputDropout = inputDropout
        config.impliedPairRatio = impliedPairs
        config.margin = margin
        config.clipNorm = clipNorm
        config.seed = seed
        config.nonDuplicateWeight = nonDuplicateWeight
        config.maxSubwords = maxSubwords
        config.subwordMinN = subwordMinN
        config.subwordMaxN = subwordMaxN
        config.subwordMinCount = subwordMinCount
        return config
    }

    func validate() throws {
        guard directions == 1 || directions == 2 else {
            throw ValidationError("directions must be 1 or 2, got \(directions)")
        }
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        if model.isEmpty { throw ValidationError("--model must not be empty") }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw ValidationError("--validation-fraction must be at least 0 and below 1, got \(validationFraction)")
        }
    }

    func execute() throws {
        let workers = threads.apply()
        // Read every input before touching the database: bad input leaves it as it was.
        let reader = PairReader(skipBad: skipBad)
        let training = try reader.read(pairs)
        report(skipped: training, file: pairs)
        let validation = try dev.map { try reader.read($0) }
        if let validation, let dev { report(skipped: validation, file: dev) }
        var trainingPairs = training.pairs, validationPairs = validation?.pairs ?? []
        var validationSource = (kind: "dev", description: dev ?? "")
        var validationNote: String?
        if dev == nil && validationFraction > 0 {
            let percent = String(format: "%g%%", validationFraction * 100)
            if let split = ValidationSplit(pairs: training.pairs, fraction: validationFraction, seed: seed,
                                           maxTokens: maxTokens) {
                trainingPairs = split.training
                validationPairs = split.validation
                validationSource = ("held-out", "\(percent) of \(pairs), seed \(seed)")
                validationNote = "validation: \(split.validation.count) pairs of \(pairs) held out (\(percent), whole question clusters, seed \(seed))"
            } else {
                validationNote = "validation: none (\(pairs) has no question-disjoint \(percent) with \(ValidationSplit.minimumRowsPerLabel)+ pairs of each label); the last epoch is kept"
            }
        }
        let trainingSet = TrainingSet(pairs: trainingPairs, config: config)
        guard trainingSet.pairs.count >= 2 else {
            throw CommandError("\(pairs): training needs at least 2 duplicate pairs with words, found \(trainingSet.pairs.count)")
        }

        // Look for the name read-only first: a refused run must not touch the file at all.
        if !force, FileManager.default.fileExists(atPath: database.path), try Self.hasModel(model, at: database) {
            throw CommandError("model \"\(model)\" already exists in \(database.path); use --force to replace it, or --model to pick another name")
        }
        let store = try QuestionStore(path: database.path, mode: .readWrite, busyTimeout: try DatabaseOptions.busyTimeout())
        for name in try store.discardAbandonedRuns() {
            Terminal.note("removed an interrupted training run for model \"\(name)\" (its process is gone)")
        }
        if let validationNote { Terminal.note(validationNote) }
        Terminal.note("training \"\(model)\" on \(trainingSet.pairsDescription), vocabulary \(trainingSet.vocabulary.count)"
                      + (trainingSet.subwords.map { ", \($0.count) sub-words" } ?? "") + ", d = \(dimension)"
                      + (members > 1 ? " (\(members) members of \(dimension / members))" : "") + ", \(epochs) epochs")
        var run = ModelTraining(modelName: model, config: config, validationPairs: validationPairs,
                                validationSource: validationSource, calibrationPairs: trainingPairs, workers: workers)
        // Without --force the name was checked free above: a model that takes it before this run ends wins.
        run.replacesExisting = force
        let progress = ProgressLine()
        let outcome = try run.run(store: store, trainingSet: trainingSet, progress: { p in
            progress.update(String(format: "epoch %d/%d  batch %d/%d  loss %.4f", p.epoch, epochs, p.step, p.steps, p.loss),
                            done: (p.epoch - 1) * p.pairsInEpoch + p.pairsDone, total: epochs * p.pairsInEpoch,
                            unit: "pairs")
        }, epochFinished: { record, kept in
            progress.finish()
            let auc = record.validationAUC.map { String(format: "  \(validationSource.kind) ROC-AUC %.4f", $0) } ?? ""
            Terminal.note(String(format: "epoch %d: loss %.4f, %.0f pairs/s, %.1f s", record.epoch, record.loss,
                                 record.pairsPerSecond, record.seconds) + auc + (kept ? "  (saved)" : "  (not better)"))
        }, embeddingProgress: { done, total in
            progress.update("embedding the stored questions \(done)/\(total)", done: done, total: total, unit: "questions")
        })
        progress.finish()
        let pending = try store.questionsWithoutEmbeddingCount(modelID: outcome.modelID)
        try printSummary(outcome, trainingSet: trainingSet, embedded: try store.embeddingCount(modelID: outcome.modelID),
                         questionsToEmbed: pending)
    }

    /// Whether the index at `database` has a ready model `name`. A file another process has just created and
    /// not yet given the schema (two `train` on a new file at once) holds no model.
    private static func hasModel(_ name: String, at database: DatabaseOptions) throws -> Bool {
        do {
            return try database.openForChecking().modelSummaries().contains { $0.name == name }
        } catch IndexError.noIndex {
            return false
        }
    }

    private func report<T>(skipped output: T, file: String) where T: SkippedRows {
        guard output.skipped > 0 else { return }
        Terminal.note("\(file): skipped \(output.skipped) malformed rows")
        for problem in output.problems.prefix(5) { Terminal.note("  \(problem)") }
    }

    private func printSummary(_ outcome: ModelTraining.Outcome, trainingSet: TrainingSet, embedded: Int,
                              questionsToEmbed: Int) throws {
        let last = outcome.epochs.last
        if json {
            let keptRecord = outcome.epochs.first { $0.epoch == outcome.keptEpoch }
            try Terminal.printJSON(TrainSummary(
                model: model, database: database.path, pairs: trainingSet.labelledPairs, impliedPairs: trainingSet.impliedPairs,
                nonDuplicatePairs: config.nonDuplicateWeight > 0 ? trainingSet.nonDuplicatePairs.count : 0,
                vocabulary: trainingSet.vocabulary.count, epochs: outcome.epochs.count, keptEpoch: outcome.keptEpoch,
                loss: keptRecord?.loss, validationROCAUC: keptRecord?.validationAUC, threshold: outcome.threshold,
                calibratedOn: outcome.calibration?.pairs, calibration: outcome.calibration,
                questionsToEmbed: questionsToEmbed))
            return
        }
        var line = "trained model \"\(model)\": \(outcome.epochs.count) epochs on \(trainingSet.labelledPairs) pairs"
        if trainingSet.impliedPairs > 0 { line += " (+\(trainingSet.impliedPairs) implied)" }
        if config.nonDuplicateWeight > 0 { line += " and \(trainingSet.nonDuplicatePairs.count) non-duplicates" }
        if let last { line += String(format: ", loss %.4f", last.loss) }
        print(line)
        if let kept = outcome.epochs.first(where: { $0.epoch == outcome.keptEpoch }), let auc = kept.validationAUC {
            print(String(format: "kept epoch %d of %d: best validation ROC-AUC %.4f", kept.epoch, outcome.epochs.count, auc))
        }
        if let threshold = outcome.threshold, let accuracy = outcome.thresholdAccuracy, let on = outcome.calibration {
            let pairs = on.pairs == "training" ? "the training pairs" : "\(on.pairCount) \(on.pairs) pairs (\(on.source))"
            print("duplicate threshold \(threshold.score) (best accuracy \(String(format: "%.3f", accuracy)) on \(pairs))")
        } else {
            print("no duplicate threshold: give labelled pairs (is_duplicate 0 and 1) to calibrate one")
        }
        if let dedup = outcome.calibration?.dedup {
            print("dedup threshold \(dedup.threshold.score) (best pair F1 \(String(format: "%.3f", dedup.f1)) on "
                + "\(dedup.questions) \(dedup.pairs == "training" ? "training" : dedup.pairs) questions, \(dedup.rule)"
                + "\(keywordNote(dedup.keywordWeight)))")
        }
        print("saved to \(database.path)" + (embedded > 0 ? " with vectors for its \(embedded) stored questions" : ""))
        if questionsToEmbed > 0 {
            print("\(questionsToEmbed) stored questions need vectors from this model: run `siamese index`")
        }
    }
}

struct TrainSummary: Encodable {
    var model: String
    var database: String
    /// Labelled duplicate pairs trained on, and the pairs their clusters imply that were added.
    var pairs: Int
    var impliedPairs: Int
    var nonDuplicatePairs: Int
    var vocabulary: Int
    var epochs: Int
    var keptEpoch: Int
    /// Loss and validation ROC-AUC of the kept epoch.
    var loss: Double?
    var validationROCAUC: Double?
    var threshold: Float?
    var calibratedOn: String?
    var calibration: ModelCalibration?
    var questionsToEmbed: Int

    enum CodingKeys: String, CodingKey {
        case model, database, pairs, vocabulary, epochs, loss, threshold, calibration
        case nonDuplicatePairs = "non_duplicate_pairs", keptEpoch = "kept_epoch", impliedPairs = "implied_pairs"
        case validationROCAUC = "validation_roc_auc", calibratedOn = "calibrated_on"
        case questionsToEmbed = "questions_to_embed"
    }

    /// Every key always present (null when there is no value), so scripts can rely on the shape.
    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(database, forKey: .database)
        try c.encode(pairs, forKey: .pairs)
        try c.encode(impliedPairs, forKey: .impliedPairs)
        try c.encode(nonDuplicatePairs, forKey: .nonDuplicatePairs)
        try c.encode(vocabulary, forKey: .vocabulary)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(keptEpoch, forKey: .keptEpoch)
        try c.encode(loss, forKey: .loss)
        try c.encode(validationROCAUC, forKey: .validationROCAUC)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(calibratedOn, forKey: .calibratedOn)
        try c.encode(calibration, forKey: .calibration)
        try c.encode(questionsToEmbed, forKey: .questionsToEmbed)
    }
}

/// A reader's output that may have skipped rows.
protocol SkippedRows {
    var skipped: Int { get }
    var problems: [String] { get }
}

extension PairReader.Output: SkippedRows {}
extension QuestionReader.Output: SkippedRows {}

/// A failure of a command that is neither bad usage nor an error of the libraries.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
