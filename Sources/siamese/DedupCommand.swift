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
            member with its id, external id and similarity to the representative, and its lowest internal \
            similarity. The threshold defaults to the model's dedup threshold, calibrated at training time for \
            all-pairs F1 (shown by `siamese info`); a model without one needs --threshold. --store keeps the \
            run and its clusters in the index; --show RUN prints a stored run again.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Option(name: .long, help: ArgumentHelp("Cosine similarity at or above which two questions are duplicates (default: the model's dedup threshold).",
                                            valueName: "cosine"))
    var threshold: Float?

    @Option(name: .long, help: "How pairs become clusters: average-link (default), single-link or community.")
    var rule: ClusteringRule?

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
        if let minSize { try OptionBounds.check(minSize, "--min-size", 2...Int(Int32.max)) }
        try OptionBounds.check(maxPairs, "--max-pairs", 1...200_000_000)
        if store && pairsOnly { throw ValidationError("--store keeps clusters: it cannot be combined with --pairs-only") }
        if let show {
            if show < 1 { throw ValidationError("--show takes a run number (1 or more), not \(show)") }
            if threshold != nil || rule != nil || minSize != nil || pairsOnly || store || modelOptions.model != nil {
                throw ValidationError("--show prints a stored run as it was: it cannot be combined with "
                                      + "--threshold, --rule, --min-size, --pairs-only, --store or --model")
            }
        }
    }

    func execute() throws {
        if let show { return try showRun(show) }
        threads.apply()
        let index = store ? try database.openExistingForWriting() : try database.openForReading()
        let dedup = try IndexDeduplication(store: index, modelName: modelOptions.model)
        let threshold = try dedup.threshold(explicit: threshold)
        let rule = self.rule ?? .standard
        let deduplication = Deduplication(threshold: threshold, rule: rule, minimumSize: minSize ?? 2)
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
        let clustered = report.result.clusters.reduce(0) { $0 + $1.count }
        Terminal.note("\(report.result.pairs.count) pairs at or above \(threshold.score) among \(report.result.questionCount) questions"
            + (pairsOnly ? "" : "; \(report.result.clusters.count) clusters of \(clustered) questions (\(rule.rawValue))")
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
        let clustered = run.clusters.reduce(0) { $0 + $1.count }
        Terminal.note("run \(run.id) of \(run.createdAt.formatted(.iso8601)): model \"\(run.modelName)\", \(run.pairCount) pairs "
            + "at or above \(run.threshold.score) among \(run.questionCount) questions; \(run.clusters.count) clusters of "
            + "\(clustered) questions (\(run.rule), at least \(run.minimumSize))")
    }
}

extension ClusteringRule: ExpressibleByArgument {}

/// Prints dedup clusters and pairs in one of the output formats.
struct DedupPrinter {
    let format: OutputFormat
    let questions: [Int64: StoredQuestion]

    func printClusters(_ clusters: [DuplicateCluster]) throws {
        switch format {
        case .text:
            for (index, cluster) in clusters.enumerated() {
                if index > 0 { print("") }
                print("cluster \(index + 1): \(cluster.count) questions, lowest similarity \(cluster.lowestSimilarity.score)")
                for (position, member) in cluster.members.enumerated() {
                    let mark = position == 0 ? "     *" : member.similarity.score
                    print("  \(mark)  \(label(member.questionID))  \(text(member.questionID))")
                }
            }
        case .tsv, .csv:
            print(format.row(["cluster", "size", "lowest_similarity", "representative", "id", "external_id",
                              "similarity", "question"]))
            for (index, cluster) in clusters.enumerated() {
                for (position, member) in cluster.members.enumerated() {
                    print(format.row(["\(index + 1)", "\(cluster.count)", cluster.lowestSimilarity.score,
                                      position == 0 ? "1" : "0", "\(member.questionID)",
                                      questions[member.questionID]?.externalID ?? "", member.similarity.score,
                                      text(member.questionID)]))
                }
            }
        case .jsonl:
            let lines = JSONLines()
            for (index, cluster) in clusters.enumerated() {
                print(try lines.line(ClusterRecord(
                    cluster: index + 1, size: cluster.count, lowestSimilarity: cluster.lowestSimilarity,
                    representative: cluster.representative.questionID,
                    members: cluster.members.map { member in
                        ClusterRecord.Member(id: member.questionID, externalID: questions[member.questionID]?.externalID,
                                             similarity: member.similarity, text: text(member.questionID))
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

    private func text(_ id: Int64) -> String { questions[id]?.text ?? "" }
}

struct ClusterRecord: Encodable {
    struct Member: Encodable {
        var id: Int64
        var externalID: String?
        var similarity: Float
        var text: String

        enum CodingKeys: String, CodingKey {
            case id, similarity, text
            case externalID = "external_id"
        }

        func encode(to encoder: any Swift.Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(externalID, forKey: .externalID)  // null when absent: keys are stable
            try c.encode(similarity, forKey: .similarity)
            try c.encode(text, forKey: .text)
        }
    }

    var cluster: Int
    var size: Int
    var lowestSimilarity: Float
    var representative: Int64
    var members: [Member]

    enum CodingKeys: String, CodingKey {
        case cluster, size, representative, members
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
