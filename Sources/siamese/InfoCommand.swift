import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Info: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the index: schema, questions, models and their training logs.")

    @OptionGroup var database: DatabaseOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Flag(name: .long, help: ArgumentHelp(
        "Also check the whole file (pages, references, keyword index, missing vectors); exit 1 when a problem is found.",
        discussion: "Each problem is printed with the command that fixes it. Reads every page: slow on a large index."))
    var check = false

    func execute() throws {
        let store = try database.openForReading()
        let summaries = try store.modelSummaries()
        let models = try summaries.map { summary in (summary, try store.trainingEpochs(modelID: summary.id)) }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: database.path)[.size] as? Int) ?? 0
        let info = IndexInfo(
            database: database.path, schema: store.schemaVersion, bytes: bytes, questions: try store.questionCount(),
            models: models.map { summary, epochs in
                ModelInfo(name: summary.name, isDefault: summary.isDefault, createdAt: summary.createdAt,
                          dimension: summary.dimension,
                          vocabulary: summary.vocabularySize, threshold: summary.threshold,
                          vectors: summary.embeddingCount, calibration: summary.calibration, config: summary.config,
                          epochs: epochs.map { EpochInfo(epoch: $0.epoch, loss: $0.loss, devROCAUC: $0.validationAUC,
                                                         pairsPerSecond: $0.pairsPerSecond, seconds: $0.seconds) })
            },
            unfinishedTrainingRuns: try store.unfinishedTrainingRuns().map {
                UnfinishedRun(model: $0.target, savedAt: $0.savedAt, owner: $0.owner, abandoned: $0.isAbandoned)
            })
        let problems = check ? try store.integrityProblems() : nil
        if json {
            try Terminal.printJSON(IndexCheck(info: info, problems: problems))
        } else {
            printText(info)
            if let problems {
                print("")
                print(problems.isEmpty ? "integrity: ok" : "integrity: \(problems.count) problems")
                for problem in problems { print("  \(problem.problem); \(problem.remedy)") }
            }
        }
        if let problems, !problems.isEmpty {
            StandardStreams.flushOutput()
            throw ExitCode(1)
        }
    }

    /// One line of what a model is and how it was trained, from its stored configuration.
    static func describe(_ config: ModelConfig) -> String {
        let width = config.memberDimension
        var lstm = config.bidirectional ? "LSTM 2 × \(width / 2) (both directions)" : "LSTM \(width)"
        if config.members > 1 { lstm = "\(config.members) members, each an \(lstm)" }
        let subwords = config.usesSubwords
            ? "up to \(config.maxSubwords) sub-words (\(config.subwordMinN)–\(config.subwordMaxN)-grams)" : "no sub-words"
        func number(_ value: Float) -> String { String(format: "%g", value) }
        return "encoder: \(lstm), \(subwords), \(config.maxTokens) tokens at most; trained with margin "
            + "\(number(config.margin)), non-duplicate weight \(number(config.nonDuplicateWeight)), input dropout "
            + "\(number(config.inputDropout)), implied pairs \(String(format: "%g", config.impliedPairRatio)), batch "
            + "\(config.batchSize), learning rate \(number(config.learningRate)), seed \(config.seed)"
    }

    private func printText(_ info: IndexInfo) {
        print("index      \(info.database)")
        print("schema     \(info.schema)")
        print("size       \(String(format: "%.1f", Double(info.bytes) / 1_048_576)) MiB")
        print("questions  \(info.questions)")
        if info.models.isEmpty { print("models     none: run `siamese train`") }
        for model in info.models {
            print("")
            print("model \"\(model.name)\"\(model.isDefault ? " (default)" : ""): d = \(model.dimension), vocabulary \(model.vocabulary), "
                + "threshold \(model.threshold?.score ?? "none"), \(model.vectors) vectors")
            print("  " + (model.config.map(Self.describe) ?? "configuration: not readable by this build"))
            // Vectors reference their question (foreign key), so the difference is the questions without one.
            let missing = info.questions - model.vectors
            if missing > 0 {
                print("  \(missing) of \(info.questions) questions have no vector of this model: "
                    + "run `siamese index --db \(info.database.shellQuoted) --model \(model.name.shellQuoted)` to embed them")
            }
            if let calibration = model.calibration {
                let accuracy = calibration.accuracy.map { String(format: " %.3f", $0) } ?? ""
                let pairs = calibration.pairs == "training" ? "the training pairs"
                    : "\(calibration.pairCount) \(calibration.pairs) pairs (\(calibration.source))"
                print("  threshold rule: \(calibration.rule)\(accuracy) on \(pairs)")
                if let dedup = calibration.dedup {
                    let on = dedup.pairs == "training" ? "the training pairs' \(dedup.questions) questions"
                        : "\(dedup.questions) \(dedup.pairs) questions"
                    print("  dedup threshold \(dedup.threshold.score): best pair F1 "
                        + String(format: "%.3f (precision %.3f, recall %.3f)", dedup.f1, dedup.precision, dedup.recall)
                        + ", \(dedup.rule)\(keywordNote(dedup.keywordWeight)), on \(on); largest cluster \(dedup.largestCluster) (true \(dedup.largestTrueCluster))")
                } else {
                    print("  dedup threshold: none (`siamese dedup` needs --threshold)")
                }
                if let metric = calibration.selectedBy, let value = calibration.selectionValue {
                    print("  kept epoch \(calibration.keptEpoch): best validation \(metric) " + String(format: "%.4f", value))
                } else {
                    print("  kept epoch \(calibration.keptEpoch): the last (no validation pairs)")
                }
            }
            print("  epoch      loss  dev ROC-AUC   pairs/s  seconds")
            for epoch in model.epochs {
                let auc = epoch.devROCAUC.map { String(format: "%.4f", $0) } ?? "-"
                let padded = String(repeating: " ", count: max(0, 11 - auc.count)) + auc
                let kept = model.calibration?.selectedBy != nil && model.calibration?.keptEpoch == epoch.epoch ? "  kept" : ""
                print(String(format: "  %5d  %8.4f  ", epoch.epoch, epoch.loss) + padded
                    + String(format: "  %8.0f  %7.1f", epoch.pairsPerSecond, epoch.seconds) + kept)
            }
        }
        for run in info.unfinishedTrainingRuns {
            let saved = run.savedAt.map { " (last epoch saved \($0.formatted(.iso8601)))" } ?? ""
            print("")
            let state = run.abandoned
                ? "its process (\(run.owner ?? "?")) is gone: it was interrupted; the next `siamese train` removes it"
                : run.owner.map { "process \($0) is running it" }
                    ?? "another `siamese train` is running, or one was interrupted"
            print("unfinished training run for model \"\(run.model)\"\(saved): \(state); it is never used, and a finished "
                + "run of that name replaces the model")
        }
    }
}

/// `info --json`: the index, and with --check the problems found (absent without it).
struct IndexCheck: Encodable {
    var info: IndexInfo
    var problems: [IntegrityProblem]?

    func encode(to encoder: any Swift.Encoder) throws {
        try info.encode(to: encoder)
        guard let problems else { return }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(problems.map { ["problem": $0.problem, "remedy": $0.remedy] }, forKey: .problems)
    }

    enum CodingKeys: String, CodingKey { case problems }
}

struct IndexInfo: Encodable {
    var database: String
    var schema: String
    var bytes: Int
    var questions: Int
    var models: [ModelInfo]
    /// Runs of `siamese train` that have not finished (still running, or killed): their models are never used.
    var unfinishedTrainingRuns: [UnfinishedRun]

    enum CodingKeys: String, CodingKey {
        case database, schema, bytes, questions, models
        case unfinishedTrainingRuns = "unfinished_training_runs"
    }
}

struct UnfinishedRun: Encodable {
    var model: String
    var savedAt: Date?
    var owner: String?
    var abandoned: Bool

    enum CodingKeys: String, CodingKey {
        case model, owner, abandoned
        case savedAt = "saved_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(savedAt, forKey: .savedAt)  // null when no epoch was saved
        try c.encode(owner, forKey: .owner)  // null for runs started before schema 0010
        try c.encode(abandoned, forKey: .abandoned)
    }
}

struct ModelInfo: Encodable {
    var name: String
    var isDefault: Bool
    var createdAt: Date
    var dimension: Int
    var vocabulary: Int
    var threshold: Float?
    var vectors: Int
    var calibration: ModelCalibration?
    /// The hyperparameters as stored (`ModelConfig`'s own keys); null when this build cannot read them.
    var config: ModelConfig?
    var epochs: [EpochInfo]

    enum CodingKeys: String, CodingKey {
        case name, dimension, vocabulary, threshold, vectors, calibration, config, epochs
        case isDefault = "default", createdAt = "created_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(isDefault, forKey: .isDefault)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(vocabulary, forKey: .vocabulary)
        try c.encode(threshold, forKey: .threshold)  // null when not calibrated: keys are stable
        try c.encode(vectors, forKey: .vectors)
        try c.encode(calibration, forKey: .calibration)
        try c.encode(config, forKey: .config)
        try c.encode(epochs, forKey: .epochs)
    }
}

struct EpochInfo: Encodable {
    var epoch: Int
    var loss: Double
    var devROCAUC: Double?
    var pairsPerSecond: Double
    var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, loss, seconds
        case devROCAUC = "dev_roc_auc", pairsPerSecond = "pairs_per_second"
    }
}
