import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Eval: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure match quality on labelled pairs, beside SQLite FTS5 BM25.",
        discussion: """
            Pair metrics over the labelled rows of PAIRS (a label and words on both sides): ROC-AUC, accuracy, \
            precision, recall and F1 of duplicates at the model's threshold, and the best-accuracy and best-F1 \
            thresholds. Retrieval metrics: every question of PAIRS with a known duplicate (connected components \
            of the is_duplicate = 1 rows, questions identified by qid1/qid2, else by their words) is searched \
            among every distinct question of PAIRS and of the --distractors files (deduplicated by words), \
            itself excluded. recall@1 and recall@k: the fraction of a query's duplicates found in its top 1 / \
            top k, averaged over queries; MRR@k: 1/rank of the first duplicate within the top k (0 if none), \
            averaged. The same metrics for FTS5 bm25() over the same corpus (the query: an OR of its words, \
            leaving out words in more than --bm25-max-df of the corpus), and with --hybrid for their fusion \
            (--fusion). The index is opened read-only and never changed: \
            the corpus is encoded in memory and BM25 runs in a temporary in-memory database.
            """)

    @Option(name: .long, help: ArgumentHelp("Labelled question pairs (is_duplicate 0/1).", valueName: "file"),
            completion: .file())
    var pairs: String

    @Option(name: .long, help: ArgumentHelp("More questions for the retrieval corpus (pair or question files; repeatable).",
                                            valueName: "file"), completion: .file())
    var distractors: [String] = []

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Also measure the fusion of BM25 and the model (cosine + W · bm25 / max bm25).")
    var hybrid = false

    @OptionGroup var fusion: FusionOptions

    @Option(name: .long, help: ArgumentHelp(
        "BM25 leaves out of each query the words in more than this fraction of the corpus (1: keep every word).",
        valueName: "fraction"))
    var bm25MaxDf = FullTextQuery.commonWordFraction

    @Option(name: .short, help: "The cut-off of recall@k and MRR@k.")
    var k = 10

    @Option(name: .long, help: ArgumentHelp(
        "Also write a self-contained HTML page: score histograms, ROC curve, learning curve, metrics.",
        valueName: "file.html"), completion: .file(extensions: ["html"]))
    var report: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Flag(name: .long, help: "With --json: include every pair's score and label.")
    var scores = false

    func validate() throws {
        try OptionBounds.check(k, "-k", 1...Query.maximumK)
        if !(bm25MaxDf > 0 && bm25MaxDf <= 1) { throw ValidationError("--bm25-max-df must be in (0, 1]") }
    }

    func execute() throws {
        let workers = threads.apply()
        // Read every input first: bad input fails before the (long) work.
        let pairRows = try PairReader().read(pairs).pairs
        let reader = QuestionReader()
        let extra = try distractors.map { try reader.read($0).questions }
        let stored = try database.openForReading().loadModel(name: modelOptions.model)

        var options = Evaluation.Options(k: k, hybrid: hybrid, workers: workers)
        options.fusion = fusion.selected
        options.commonWordFraction = bm25MaxDf
        let start = Date()
        var progress: (phase: Evaluation.Phase, line: ProgressLine)?
        let result: Evaluation.Report
        do {
            result = try Evaluation.run(model: stored.model, threshold: stored.threshold, pairs: pairRows,
                                        distractors: extra, options: options) { phase, done, total in
                if progress?.phase != phase {
                    progress?.line.finish()
                    progress = (phase, ProgressLine())
                }
                // The phase's start only starts its clock.
                guard done > 0 else { return }
                progress?.line.update("\(phase.rawValue) \(done)/\(total)", done: done, total: total,
                                      unit: phase == .encodingCorpus ? "questions" : phase == .scoringPairs ? "pairs" : "queries")
            }
        } catch EvaluationError.noQueries {
            throw CommandError("\(pairs): no duplicate pairs (is_duplicate = 1) with words on both sides to retrieve")
        }
        progress?.line.finish()
        let seconds = Date().timeIntervalSince(start)
        if let path = report {
            try writeReport(result, stored: stored, to: path)
        }
        if json {
            try Terminal.printJSON(EvalJSON.report(result, model: stored.name, threshold: stored.threshold, k: k,
                                                   seconds: seconds, withScores: scores))
        } else {
            printText(result, model: stored.name, threshold: stored.threshold, seconds: seconds)
        }
    }

    /// The HTML page of `--report`.
    private func writeReport(_ result: Evaluation.Report, stored: StoredModel, to path: String) throws {
        var table = EvaluationReport.MetricsTable()
        let pairMetrics = result.pairs
        table.set(pairMetrics.rocAUC, system: "model", metric: "ROC-AUC")
        table.set(pairMetrics.atModelThreshold?.accuracy, system: "model", metric: "accuracy")
        table.set(pairMetrics.atModelThreshold?.f1, system: "model", metric: "F1")
        let retrieval = result.retrieval
        var systems: [(String, RetrievalMetrics)] = [("model", retrieval.model), ("BM25 (FTS5)", retrieval.keyword)]
        if let hybrid = retrieval.hybrid { systems.append(("hybrid", hybrid)) }
        for (system, metrics) in systems {
            table.set(metrics.recallAt1, system: system, metric: "recall@1")
            table.set(metrics.recallAtK, system: system, metric: "recall@\(k)")
            table.set(metrics.mrrAtK, system: system, metric: "MRR@\(k)")
        }
        let formatter = ISO8601DateFormatter()
        let page = EvaluationReport(
            modelName: stored.name, databasePath: database.path, generatedAt: formatter.string(from: Date()),
            scores: pairMetrics.scores, labels: pairMetrics.labels, threshold: stored.threshold,
            learningCurve: stored.epochs.map(EvaluationReport.Epoch.init), metrics: table,
            notes: ["\(pairs): \(result.labelledPairs) labelled pairs (\(result.skippedPairs) skipped)",
                    "retrieval: \(retrieval.queries) queries over \(retrieval.corpus) questions, the query itself excluded",
                    "\(result.questionsWithUnknownWords) questions with words unknown to the model, "
                        + "\(result.questionsWithoutKnownWords) with none known (never called duplicates)"])
        do {
            // Written to a temporary file and renamed: never half a page.
            try Data(page.html().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CommandError("\(path): cannot write the report (\(error.localizedDescription))")
        }
    }

    private func printText(_ report: Evaluation.Report, model: String, threshold: Float?, seconds: Double) {
        let pairMetrics = report.pairs
        print("model \"\(model)\" on \(pairs): \(report.labelledPairs) labelled pairs (\(report.skippedPairs) skipped)")
        print("  ROC-AUC          \(Self.figure(pairMetrics.rocAUC))")
        if let at = pairMetrics.atModelThreshold {
            print("  threshold \(at.threshold.score)  accuracy \(Self.figure(at.accuracy))  precision \(Self.figure(at.precision))"
                  + "  recall \(Self.figure(at.recall))  F1 \(Self.figure(at.f1))  (the model's)")
        } else {
            print("  threshold        none: the model has no calibrated threshold")
        }
        if let best = pairMetrics.bestAccuracy {
            print("  best accuracy    \(Self.figure(best.accuracy)) at threshold \(best.threshold.score)")
        }
        if let best = pairMetrics.bestF1 {
            print("  best F1          \(Self.figure(best.f1)) at threshold \(best.threshold.score)")
        }
        print("  unknown words    \(report.questionsWithUnknownWords) questions have some, "
              + "\(report.questionsWithoutKnownWords) have no known word (never called duplicates)")
        let retrieval = report.retrieval
        print("")
        print("retrieval: \(retrieval.queries) queries over \(retrieval.corpus) questions")
        let widths = [8, 9, 10, 8, 8]
        func line(_ cells: [String]) -> String {
            "  " + zip(cells, widths).enumerated().map { column, cell in
                let padding = String(repeating: " ", count: max(0, cell.1 - cell.0.count))
                return column == 0 ? cell.0 + padding : padding + cell.0
            }.joined(separator: " ")
        }
        print(line(["method", "recall@1", "recall@\(k)", "MRR@\(k)", "seconds"]))
        func row(_ name: String, _ metrics: RetrievalMetrics, _ seconds: Double, _ note: String = "") {
            print(line([name, String(format: "%.4f", metrics.recallAt1), String(format: "%.4f", metrics.recallAtK),
                        String(format: "%.4f", metrics.mrrAtK), String(format: "%.1f", seconds)]) + note)
        }
        row("model", retrieval.model, retrieval.encodingSeconds + retrieval.embeddingSearchSeconds)
        row("BM25", retrieval.keyword, retrieval.keywordIndexSeconds + retrieval.keywordSearchSeconds,
            retrieval.commonWordFraction < 1
                ? "  (FTS5 bm25; words in > \(Int((retrieval.commonWordFraction * 100).rounded()))% of the questions left out)"
                : "  (FTS5 bm25, every word)")
        if let hybrid = retrieval.hybrid, let fusion = retrieval.fusion {
            row("hybrid", hybrid, retrieval.hybridSeconds ?? 0, "  (\(Self.name(of: fusion)))")
        }
        print(String(format: "%.1f s in all", seconds))
    }

    static func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }

    static func name(of fusion: Fusion) -> String {
        switch fusion {
        case .reciprocalRank(let k): "RRF, k = \(Int(k))"
        case .convex(let weight): "cosine + \(weight) · bm25/max"
        }
    }
}

/// `--fusion` and `--fusion-weight`: how `--hybrid` combines BM25 and the embedding scores.
struct FusionOptions: ParsableArguments {
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case convex, rrf
    }

    @Option(name: .long, help: ArgumentHelp("With --hybrid: convex (cosine + W · bm25 / max bm25) or rrf (reciprocal-rank fusion, k = 60)."))
    var fusion: Method = .convex

    @Option(name: .long, help: ArgumentHelp("The weight W of --fusion convex.", valueName: "W"))
    var fusionWeight: Double = 1

    func validate() throws {
        if !fusionWeight.isFinite || fusionWeight < 0 || fusionWeight > 1e6 {
            throw ValidationError("--fusion-weight must be a number from 0 to 1000000")
        }
    }

    var selected: Fusion {
        switch fusion {
        case .convex: .convex(weight: fusionWeight)
        case .rrf: .reciprocalRank
        }
    }
}

/// A JSON value whose missing parts are written as null (synthesized Encodable would drop them).
enum JSONValue: Encodable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case float(Float)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .float(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    static func of(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    static func of(_ value: Float?) -> JSONValue { value.map { .float($0) } ?? .null }
}

/// The JSON of `siamese eval`: stable snake_case keys, null for what was not measured.
enum EvalJSON {
    static func report(_ report: Evaluation.Report, model: String, threshold: Float?, k: Int, seconds: Double,
                       withScores: Bool) -> JSONValue {
        let pairs = report.pairs
        var pairObject: [String: JSONValue] = [
            "labelled": .int(report.labelledPairs),
            "skipped": .int(report.skippedPairs),
            "questions_with_unknown_words": .int(report.questionsWithUnknownWords),
            "questions_without_known_words": .int(report.questionsWithoutKnownWords),
            "roc_auc": .of(pairs.rocAUC),
            "at_threshold": pairs.atModelThreshold.map { at in
                .object(["threshold": .float(at.threshold), "accuracy": .double(at.accuracy),
                         "precision": .of(at.precision), "recall": .of(at.recall), "f1": .of(at.f1)])
            } ?? .null,
            "best_accuracy": pairs.bestAccuracy.map {
                .object(["threshold": .float($0.threshold), "accuracy": .double($0.accuracy)])
            } ?? .null,
            "best_f1": pairs.bestF1.map { .object(["threshold": .float($0.threshold), "f1": .double($0.f1)]) } ?? .null,
        ]
        if withScores {
            pairObject["scores"] = .array(pairs.scores.map { .float($0) })
            pairObject["labels"] = .array(pairs.labels.map { .bool($0) })
        }
        let retrieval = report.retrieval
        func metrics(_ metrics: RetrievalMetrics?) -> JSONValue {
            guard let metrics else { return .null }
            return .object(["recall_at_1": .double(metrics.recallAt1), "recall_at_k": .double(metrics.recallAtK),
                            "mrr_at_k": .double(metrics.mrrAtK)])
        }
        var fusion: JSONValue = .null
        switch retrieval.fusion {
        case .reciprocalRank(let rrfK)?: fusion = .object(["method": .string("rrf"), "k": .double(rrfK), "weight": .null,
                                                           "candidates": .int(Fusion.candidates)])
        case .convex(let weight)?: fusion = .object(["method": .string("convex"), "k": .null, "weight": .double(weight),
                                                     "candidates": .int(Fusion.candidates)])
        case nil: break
        }
        return .object([
            "model": .string(model),
            "threshold": .of(threshold),
            "k": .int(k),
            "pairs": .object(pairObject),
            "retrieval": .object([
                "queries": .int(retrieval.queries),
                "corpus": .int(retrieval.corpus),
                "questions_without_words": .int(retrieval.questionsWithoutWords),
                "queries_without_relevant": .int(retrieval.queriesWithoutRelevant),
                "model": metrics(retrieval.model),
                "bm25": metrics(retrieval.keyword),
                "hybrid": metrics(retrieval.hybrid),
                "fusion": fusion,
                "bm25_max_df": .double(retrieval.commonWordFraction),
                "seconds": .object([
                    "encoding": .double(retrieval.encodingSeconds),
                    "embedding_search": .double(retrieval.embeddingSearchSeconds),
                    "bm25_index": .double(retrieval.keywordIndexSeconds),
                    "bm25_search": .double(retrieval.keywordSearchSeconds),
                    "hybrid": .of(retrieval.hybridSeconds),
                ]),
            ]),
            "seconds": .double(seconds),
        ])
    }
}
