import ArgumentParser
import Foundation
import QuestionIndex

struct Dedup: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the groups of duplicate questions in the index.",
        discussion: """
            Scores every pair of stored questions (blocked products over the upper triangle, never an N×N \
            matrix), keeps the pairs at or above the threshold and clusters them, largest cluster first. Each \
            cluster shows its representative (*, the member most similar on average to the others), every \
            member with its id, external id and similarity (cosine) to the representative, and its lowest \
            internal similarity. A pair's score is its cosine, or with a keyword weight w, (1 - w) * cosine + w * \
            the TF-IDF cosine of the two questions' words (weighted by the model's training counts): shared rare \
            words count where the model reads them poorly. The threshold, rule and keyword weight default to the \
            model's, calibrated at training time for all-pairs F1 (shown by `siamese info`); a model without a \
            dedup threshold needs --threshold. --store keeps the run and its clusters in the index; --show RUN \
            prints a stored run again.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Option(name: .long, help: ArgumentHelp("Score at or above which two questions are duplicates: a cosine, with the keyword term when a keyword weight applies (default: the model's dedup threshold).",
                                            valueName: "score"))
    var threshold: Float?

    @Option(name: .long, help: "How pairs become clusters: average-link, single-link or community (default: the rule calibrated with the model, else average-link).")
    var rule: ClusteringRule?

    @Option(name: .long, help: ArgumentHelp("Weight w of shared words in the score: (1 - w) * cosine + w * TF-IDF cosine of the two questions' words, 0 to 0.9; single-link and community only (default: the model's, calibrated with its rule).",
                                            valueName: "w"))
    var keywordWeight: Float?

    @Option(name: .long, help: "Show clusters of at least this many questions (default 2).")
    var minSize: Int?

    @Option(name: .long, help: "Output: text, tsv, csv or jsonl.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Print the pairs at or above the threshold (id1, id2, score) instead of clusters.")
    var pairsOnly = false

    @Option(name: .long, help: "Stop with an error when more pairs than this reach the threshold (memory guard; at most 200000000).")
    var maxPairs = 20_000_000

    @Flag(name: .long, help: "Also store the run and its clusters in the index (its number is printed on stderr).")
    var store = false

    @Option(name: .long, help: ArgumentHelp("Print the stored run RUN again instead of scanning.", valueName: "run"))
    var show: Int64?

    func validate() throws {
        if let threshold, !(threshold >= -1 && threshold <= 1) {
            throw ValidationError("--threshold must be a cosine between -1 and 1, not \(threshold)")
        }
        if let keywordWeight, !(keywordWeight >= 0 && keywordWeight <= 0.9) {
            throw ValidationError("--keyword-weight must be between 0 and 0.9, not \(keywordWeight)")
        }
        if let minSize { try OptionBounds.check(minSize, "--min-size", 2...Int(Int32.max)) }
        try OptionBounds.check(maxPairs, "--max-pairs", 1...200_000_000)
        if store && pairsOnly { throw ValidationError("--store keeps clusters: it cannot be combined with --pairs-only") }
        if let show {
            if show < 1 { throw ValidationError("--show takes a run number (1 or more), not \(show)") }
            if threshold != nil || rule != nil || keywordWeight != nil || minSize != nil || pairsOnly || store
                || modelOptions.model != nil {
                throw ValidationError("--show prints a stored run as it was: it cannot be combined with "
                                      + "--threshold, --rule, --keyword-weight, --min-size, --pairs-only, --store or --model")
            }
        }
    }

    func execute() throws {
        if let show { return try showRun(show) }
        let workers = threads.apply()
        let index = store ? try database.openExistingForWriting() : try database.openForReading()
        let dedup = try IndexDeduplication(store: index, modelName: modelOptions.model)
        let (threshold, rule, keywordWeight) = try dedup.settings(threshold: threshold, rule: rule,
                                                                  keywordWeight: keywordWeight)
        let deduplication = Deduplication(threshold: threshold, rule: rule, keywordWeight: keywordWeight,
                                          minimumSize: minSize ?? 2, workers: workers)
        let progress = ProgressLine()
        defer { progress.finish() }  // also when the scan stops with an error
        let start = Date()
        let report = try dedup.run(deduplication, pairsOnly: pairsOnly, maxPairs: maxPairs) { done, total in
            progress.update("scanning block \(done)/\(total)", done: done, total: total, unit: "blocks")
        }
        progress.finish()
        let printer = DedupPrinter(format: format, questions: report.questions)
        if pairsOnly {
            try printer.printPairs(report.result.pairs)
        } else {
            try printer.printClusters(report.result.clusters)
        }
        let clustered = report.result.clusters.reduce(0) { $0 + IndexDeduplication.rowCount(of: $1, questions: report.questions) }
        Terminal.note("\(report.result.pairs.count) pairs at or above \(Self.scoreText(threshold, keywordWeight))"
            + " among \(report.result.questionCount) questions"
            + (pairsOnly ? "" : "; \(report.result.clusters.count) \(report.result.clusters.count == 1 ? "cluster" : "clusters") of \(clustered) rows (\(rule.rawValue))")
            + String(format: " in %.2f s", Date().timeIntervalSince(start)))
        if store {
            let run = try index.saveDedupRun(modelID: dedup.model.id, deduplication: deduplication, result: report.result)
            Terminal.note("stored as run \(run); `siamese dedup --show \(run)` prints it again")
        }
    }

    private func showRun(_ id: Int64) throws {
        let index = try database.openForReading()
        guard let run = try index.dedupRun(id: id) else {
            throw CommandError("no dedup run \(id) in \(database.path)")
        }
        let questions = try index.questions(ids: run.clusters.flatMap { $0.members.map(\.questionID) })
        try DedupPrinter(format: format, questions: questions).printClusters(run.clusters)
        let clustered = run.clusters.reduce(0) { $0 + IndexDeduplication.rowCount(of: $1, questions: questions) }
        Terminal.note("run \(run.id) of \(run.createdAt.formatted(.iso8601)): model \"\(run.modelName)\", \(run.pairCount) pairs "
            + "at or above \(Self.scoreText(run.threshold, run.keywordWeight)) among \(run.questionCount) questions; \(run.clusters.count) clusters of "
            + "\(clustered) rows (\(run.rule), at least \(run.minimumSize))")
    }
}

extension Dedup {
    /// "0.6500", or "0.6500 (keyword weight 0.40)" for a score with a keyword term: what a threshold was applied to.
    static func scoreText(_ threshold: Float, _ keywordWeight: Float) -> String {
        threshold.score + (keywordWeight > 0 ? String(format: " (keyword weight %.2f)", Double(keywordWeight)) : "")
    }
}

extension ClusteringRule: ExpressibleByArgument {}

/// Prints dedup clusters and pairs in one of the output formats.
struct DedupPrinter {
    let format: OutputFormat
    let questions: [Int64: StoredQuestion]

    /// One printed line of a cluster: a row of a member question.
    private struct ClusterRow {
        var questionID: Int64
        var entry: QuestionEntry?
        var similarity: Float
        var isRepresentative: Bool
        var text: String
    }

    /// The rows of a cluster: each member question once per input row that names it (the representative's
    /// first row first), in the members' order.
    private func rows(of cluster: DuplicateCluster) -> [ClusterRow] {
        cluster.members.enumerated().flatMap { position, member in
            let question = questions[member.questionID]
            let entries: [QuestionEntry?] = question.flatMap { $0.entries.isEmpty ? nil : $0.entries.map { $0 } } ?? [nil]
            return entries.enumerated().map { index, entry in
                ClusterRow(questionID: member.questionID, entry: entry, similarity: member.similarity,
                           isRepresentative: position == 0 && index == 0,
                           text: entry?.text ?? question?.text ?? "")
            }
        }
    }

    func printClusters(_ clusters: [DuplicateCluster]) throws {
        switch format {
        case .text:
            for (index, cluster) in clusters.enumerated() {
                if index > 0 { print("") }
                let rows = rows(of: cluster)
                let size = rows.count == cluster.count
                    ? "\(rows.count) questions"
                    : "\(rows.count) rows of \(cluster.count) \(cluster.count == 1 ? "question" : "questions")"
                print("cluster \(index + 1): \(size), lowest similarity \(cluster.lowestSimilarity.score)")
                for row in rows {
                    let mark = row.isRepresentative ? "     *" : row.similarity.score
                    print("  \(mark)  \(label(row.questionID, row.entry))  \(row.text)")
                }
            }
        case .tsv, .csv:
            print(format.row(["cluster", "size", "lowest_similarity", "representative", "id", "external_id",
                              "similarity", "question", "source", "line"]))
            for (index, cluster) in clusters.enumerated() {
                let rows = rows(of: cluster)
                for row in rows {
                    print(format.row(["\(index + 1)", "\(rows.count)", cluster.lowestSimilarity.score,
                                      row.isRepresentative ? "1" : "0", "\(row.questionID)", row.entry?.externalID ?? "",
                                      row.similarity.score, row.text, row.entry?.source ?? "",
                                      row.entry?.line.map(String.init) ?? ""]))
                }
            }
        case .jsonl:
            let lines = JSONLines()
            for (index, cluster) in clusters.enumerated() {
                let rows = rows(of: cluster)
                print(try lines.line(ClusterRecord(
                    cluster: index + 1, size: rows.count, questions: cluster.count,
                    lowestSimilarity: cluster.lowestSimilarity, representative: cluster.representative.questionID,
                    members: rows.map { row in
                        ClusterRecord.Member(id: row.questionID, externalID: row.entry?.externalID,
                                             source: row.entry?.source, line: row.entry?.line,
                                             similarity: row.similarity, text: row.text)
                    })))
            }
        }
    }

    func printPairs(_ pairs: [ScoredPair]) throws {
        switch format {
        case .text:
            for pair in pairs {
                print("\(pair.score.score)  \(label(pair.id1))  \(text(pair.id1))")
                print("        \(label(pair.id2))  \(text(pair.id2))")
            }
        case .tsv, .csv:
            print(format.row(["id1", "id2", "score", "external_id1", "external_id2"]))
            for pair in pairs {
                print(format.row(["\(pair.id1)", "\(pair.id2)", pair.score.score,
                                  questions[pair.id1]?.externalID ?? "", questions[pair.id2]?.externalID ?? ""]))
            }
        case .jsonl:
            let lines = JSONLines()
            for pair in pairs {
                print(try lines.line(PairRecord(id1: pair.id1, id2: pair.id2, score: pair.score,
                                                externalID1: questions[pair.id1]?.externalID,
                                                externalID2: questions[pair.id2]?.externalID)))
            }
        }
    }

    /// "#12", or "#12 (faq-7)" with an external id.
    private func label(_ id: Int64) -> String {
        questions[id]?.externalID.map { "#\(id) (\($0))" } ?? "#\(id)"
    }

    /// "#12 (faq-7)" for a row with an external id, "#12 (faq.txt:5)" for one with a line, else "#12".
    private func label(_ id: Int64, _ entry: QuestionEntry?) -> String {
        if let externalID = entry?.externalID { return "#\(id) (\(externalID))" }
        if let entry, let line = entry.line { return "#\(id) (\(entry.source):\(line))" }
        return "#\(id)"
    }

    private func text(_ id: Int64) -> String { questions[id]?.text ?? "" }
}

struct ClusterRecord: Encodable {
    struct Member: Encodable {
        var id: Int64
        var externalID: String?
        var source: String?
        var line: Int?
        var similarity: Float
        var text: String

        enum CodingKeys: String, CodingKey {
            case id, source, line, similarity, text
            case externalID = "external_id"
        }

        func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(externalID, forKey: .externalID)  // null when absent: keys are stable
            try c.encode(source, forKey: .source)
            try c.encode(line, forKey: .line)
            try c.encode(similarity, forKey: .similarity)
            try c.encode(text, forKey: .text)
        }
    }

    var cluster: Int
    /// Input rows.
    var size: Int
    /// Distinct stored questions.
    var questions: Int
    var lowestSimilarity: Float
    var representative: Int64
    var members: [Member]

    enum CodingKeys: String, CodingKey {
        case cluster, size, questions, representative, members
        case lowestSimilarity = "lowest_similarity"
    }
}

struct PairRecord: Encodable {
    var id1: Int64
    var id2: Int64
    var score: Float
    var externalID1: String?
    var externalID2: String?

    enum CodingKeys: String, CodingKey {
        case id1, id2, score
        case externalID1 = "external_id1", externalID2 = "external_id2"
    }
}
