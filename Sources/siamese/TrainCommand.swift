import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Train: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on duplicate question pairs and save it in the index.",
        discussion: """
            PAIRS is a TSV or CSV file with a header and question1, question2 columns (optional: is_duplicate, \
            qid1, qid2). Rows with is_duplicate = 0 are not trained on, but calibrate the duplicate threshold \
            when no --dev file is given. The model is saved after every epoch, so an interrupted run keeps its \
            last whole epoch. A model name that exists is refused unless --force replaces it (its vectors are \
            dropped: run `siamese index` afterwards).
            """)

    @Option(name: .long, help: ArgumentHelp("Labelled question pairs to train on.", valueName: "file"))
    var pairs: String

    @Option(name: .long, help: ArgumentHelp("Labelled pairs for the ROC-AUC of each epoch and the threshold.",
                                            valueName: "file"))
    var dev: String?

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: "Name of the model to create.")
    var model = "default"

    @Option(name: .long, help: "Passes over the training pairs.")
    var epochs = ModelConfig().epochs

    @Option(name: .long, help: "Duplicate pairs per batch.")
    var batchSize = ModelConfig().batchSize

    @Option(name: .long, help: "Width of the embedding and of the LSTM.")
    var dimension = ModelConfig().dimension

    @Option(name: .long, help: "Adam's learning rate.")
    var learningRate = ModelConfig().learningRate

    @Option(name: .long, help: "The triplet loss margin α.")
    var margin = ModelConfig().margin

    @Option(name: .long, help: "Clip the gradient's global norm to this value.")
    var clipNorm: Float?

    @Option(name: .long, help: "Words seen fewer times become <UNK>.")
    var minCount = ModelConfig().minCount

    @Option(name: .long, help: "Most vocabulary entries.")
    var maxVocabulary: Int?

    @Option(name: .long, help: "Tokens kept per question; the rest is ignored.")
    var maxTokens = ModelConfig().maxTokens

    @Option(name: .long, help: "Most character n-grams (sub-words) for unseen and misspelt words; 0 turns them off.")
    var maxSubwords = ModelConfig().maxSubwords

    @Option(name: .long, help: "Shortest sub-word n-gram, in characters of <word>.")
    var subwordMinN = ModelConfig().subwordMinN

    @Option(name: .long, help: "Longest sub-word n-gram.")
    var subwordMaxN = ModelConfig().subwordMaxN

    @Option(name: .long, help: "Sub-word n-grams found in fewer distinct vocabulary words are left out.")
    var subwordMinCount = ModelConfig().subwordMinCount

    @Option(name: .long, help: "Seed for initialization and shuffling.")
    var seed: UInt64 = ModelConfig().seed

    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Skip malformed rows (counted) instead of stopping at the first.")
    var skipBad = false

    @Flag(name: .long, help: "Replace a model of the same name.")
    var force = false

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    var config: ModelConfig {
        var config = ModelConfig()
        config.dimension = dimension
        config.maxTokens = maxTokens
        config.minCount = minCount
        config.maxVocabularySize = maxVocabulary
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.margin = margin
        config.clipNorm = clipNorm
        config.seed = seed
        config.maxSubwords = maxSubwords
        config.subwordMinN = subwordMinN
        config.subwordMaxN = subwordMaxN
        config.subwordMinCount = subwordMinCount
        return config
    }

    func validate() throws {
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        if model.isEmpty { throw ValidationError("--model must not be empty") }
    }

    func execute() throws {
        let workers = threads.apply()
        // Read every input before touching the database: bad input leaves it as it was.
        let reader = PairReader(skipBad: skipBad)
        let training = try reader.read(pairs)
        report(skipped: training, file: pairs)
        let validation = try dev.map { try reader.read($0) }
        if let validation, let dev { report(skipped: validation, file: dev) }
        let trainingSet = TrainingSet(pairs: training.pairs, config: config)
        guard trainingSet.pairs.count >= 2 else {
            throw CommandError("\(pairs): training needs at least 2 duplicate pairs with words, found \(trainingSet.pairs.count)")
        }

        // Look for the name read-only first: a refused run must not touch the file at all.
        if !force, FileManager.default.fileExists(atPath: database.path),
           try database.openForChecking().modelSummaries().contains(where: { $0.name == model }) {
            throw CommandError("model \"\(model)\" already exists in \(database.path); use --force to replace it, or --model to pick another name")
        }
        let store = try QuestionStore(path: database.path, mode: .readWrite)
        Terminal.note("training \"\(model)\" on \(trainingSet.pairs.count) duplicate pairs, vocabulary \(trainingSet.vocabulary.count)"
                      + (trainingSet.subwords.map { ", \($0.count) sub-words" } ?? "") + ", d = \(dimension), \(epochs) epochs")
        let run = ModelTraining(modelName: model, config: config, validationPairs: validation?.pairs ?? [],
                                calibrationPairs: training.pairs, workers: workers)
        let progress = ProgressLine()
        let outcome = try run.run(store: store, trainingSet: trainingSet, progress: { p in
            progress.update(String(format: "epoch %d/%d  batch %d/%d  loss %.4f", p.epoch, epochs, p.step, p.steps, p.loss),
                            done: (p.epoch - 1) * p.pairsInEpoch + p.pairsDone, total: epochs * p.pairsInEpoch,
                            unit: "pairs")
        }, epochFinished: { record in
            progress.finish()
            let auc = record.validationAUC.map { String(format: "  dev ROC-AUC %.4f", $0) } ?? ""
            Terminal.note(String(format: "epoch %d: loss %.4f, %.0f pairs/s, %.1f s", record.epoch, record.loss,
                                 record.pairsPerSecond, record.seconds) + auc + "  (saved)")
        })
        let pending = try store.questionCount()
        try printSummary(outcome, trainingSet: trainingSet, questionsToEmbed: pending)
    }

    private func report<T>(skipped output: T, file: String) where T: SkippedRows {
        guard output.skipped > 0 else { return }
        Terminal.note("\(file): skipped \(output.skipped) malformed rows")
        for problem in output.problems.prefix(5) { Terminal.note("  \(problem)") }
    }

    private func printSummary(_ outcome: ModelTraining.Outcome, trainingSet: TrainingSet, questionsToEmbed: Int) throws {
        let last = outcome.epochs.last
        if json {
            try Terminal.printJSON(TrainSummary(
                model: model, database: database.path, pairs: trainingSet.pairs.count,
                vocabulary: trainingSet.vocabulary.count, epochs: outcome.epochs.count, loss: last?.loss,
                devROCAUC: last?.validationAUC, threshold: outcome.threshold, calibratedOn: outcome.calibratedOn,
                questionsToEmbed: questionsToEmbed))
            return
        }
        var line = "trained model \"\(model)\": \(outcome.epochs.count) epochs on \(trainingSet.pairs.count) pairs"
        if let last { line += String(format: ", loss %.4f", last.loss) }
        if let auc = last?.validationAUC { line += String(format: ", dev ROC-AUC %.4f", auc) }
        print(line)
        if let threshold = outcome.threshold, let accuracy = outcome.thresholdAccuracy, let on = outcome.calibratedOn {
            print("duplicate threshold \(threshold.score) (accuracy \(String(format: "%.3f", accuracy)) on the \(on) pairs)")
        } else {
            print("no duplicate threshold: give labelled pairs (is_duplicate 0 and 1) to calibrate one")
        }
        print("saved to \(database.path)")
        if questionsToEmbed > 0 {
            print("\(questionsToEmbed) stored questions need vectors from this model: run `siamese index`")
        }
    }
}

struct TrainSummary: Encodable {
    var model: String
    var database: String
    var pairs: Int
    var vocabulary: Int
    var epochs: Int
    var loss: Double?
    var devROCAUC: Double?
    var threshold: Float?
    var calibratedOn: String?
    var questionsToEmbed: Int

    enum CodingKeys: String, CodingKey {
        case model, database, pairs, vocabulary, epochs, loss, threshold
        case devROCAUC = "dev_roc_auc", calibratedOn = "calibrated_on", questionsToEmbed = "questions_to_embed"
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
