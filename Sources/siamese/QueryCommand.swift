import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Query: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the stored questions most similar to a new one.",
        discussion: """
            Prints the k best matches, best first (ties by id), with their cosine similarity; matches at or \
            above the model's duplicate threshold are marked "duplicate". QUESTION "-" reads one question per \
            line from stdin and answers each in turn as it arrives, loading the index once.
            """)

    @Argument(help: ArgumentHelp("The question, or - to read one per line from stdin.", valueName: "question"))
    var question: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Option(name: .short, help: "Number of matches to show (at most 1000000; all stored questions when fewer).")
    var k = 10

    @Option(name: .long, help: ArgumentHelp(
        "Show only matches whose cosine is at least this (-1 to 1); a question may then have none.", valueName: "score"))
    var minScore: Float?

    @Flag(name: .long, help: "Print JSON: one object per question (JSON Lines with -); the same as --format jsonl.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Output: text, tsv, csv or jsonl (default text).",
        discussion: "tsv and csv: a header, then one row per (question, match): line (with -), question, rank, score, "
            + "duplicate (1/0), id, external_id, match."))
    var format: OutputFormat?

    /// `--json` is `--format jsonl`.
    var output: OutputFormat { json ? .jsonl : format ?? .text }

    @Flag(name: .long, help: ArgumentHelp(
        "Rank by a fusion of the embedding scan and BM25 keyword matching, as `siamese eval --hybrid` measures it.",
        discussion: "The score shown is still the cosine; the JSON adds the fused score."))
    var hybrid = false

    @OptionGroup var fusion: FusionOptions

    @OptionGroup var exitStatus: ExitStatusOption

    var errorExitCode: Int32 { exitStatus.errorExitCode }

    func validate() throws {
        try OptionBounds.check(k, "-k", 1...Query.maximumK)
        if json, let format, format != .jsonl {
            throw ValidationError("--json prints JSON Lines: it cannot be combined with --format \(format.rawValue)")
        }
        if let minScore, !(minScore >= -1 && minScore <= 1) {
            throw ValidationError("--min-score must be a cosine from -1 to 1, got \(minScore)")
        }
    }

    func execute() throws {
        // One small product per query: more threads only add start-up cost.
        threads.apply(default: 1)
        let search = try QuestionSearch(store: database.openForReading(), modelName: modelOptions.model)
        guard question == "-" else {
            try exitStatus.finish(foundDuplicate: try answer([(question, nil)], search: search, first: true))
            return
        }
        // Streamed: questions are answered in blocks as stdin delivers them, so memory stays bounded and
        // answers appear before the input ends.
        var block: [(text: String, line: Int?)] = [], first = true, foundDuplicate = false
        var lines = StdinLines()
        while true {
            let next: String?
            do { next = try lines.next() } catch {
                // A bad line ends the stream: the questions before it still get their answers.
                if !block.isEmpty { _ = try answer(block, search: search, first: first) }
                throw error
            }
            guard let line = next else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { block.append((text, lines.number)) }
            // Answer what is there before waiting for more input, and in blocks of bounded size.
            if !block.isEmpty && (block.count == Self.streamBlock || lines.drained) {
                if try answer(block, search: search, first: first) { foundDuplicate = true }
                first = false
                block.removeAll(keepingCapacity: true)
            }
        }
        if !block.isEmpty, try answer(block, search: search, first: first) { foundDuplicate = true }
        try exitStatus.finish(foundDuplicate: foundDuplicate)
    }

    /// Questions of `query -` encoded and searched together: one encoder batch, one scan.
    static let streamBlock = 256

    /// Searches and prints the answers to `questions` (with their stdin line numbers for `-`); `first` when no
    /// answer was printed before them. Returns whether a shown match is marked duplicate.
    @discardableResult
    private func answer(_ questions: [(text: String, line: Int?)], search: QuestionSearch, first: Bool) throws -> Bool {
        let results: [[QuestionSearch.Match]]
        do {
            results = hybrid ? try search.hybridSearch(questions.map(\.text), k: k, fusion: fusion.selected)
                : try search.search(questions.map(\.text), k: k)
        } catch let SearchError.noWords(index, text) {
            let place = questions[index].line.map { "stdin:\($0): " } ?? ""
            throw CommandError("\(place)the question \"\(text)\" has no words to match")
        }
        var foundDuplicate = false
        for (position, (query, all)) in zip(questions, results).enumerated() {
            let matches = minScore.map { floor in all.filter { $0.score >= floor } } ?? all
            if matches.contains(where: \.isDuplicate) { foundDuplicate = true }
            let coverage = search.coverage(of: query.text)
            if output == .tsv || output == .csv {
                if let note = coverage.note(for: query.line.map { "stdin:\($0): the question" } ?? "the question") {
                    Terminal.note(note)
                }
                if first && position == 0 {
                    print(output.row(["line", "question", "rank", "score", "duplicate", "id", "external_id", "match"]))
                }
                for (rank, match) in matches.enumerated() {
                    print(output.row([query.line.map(String.init) ?? "", query.text, "\(rank + 1)", match.score.score,
                                      match.isDuplicate ? "1" : "0", "\(match.questionID)", match.externalID ?? "",
                                      match.text]))
                }
                continue
            }
            if output == .jsonl {
                try Terminal.printJSON(QueryResult(query: query.text, model: search.model.name,
                                                   threshold: search.model.threshold, words: coverage.words,
                                                   unknownWords: coverage.unknownWords,
                                                   matches: matches.enumerated().map { MatchResult(rank: $0.offset + 1, $0.element) }))
                continue
            }
            // A blank line between answers.
            if question == "-" && !(first && position == 0) { print("") }
            if let note = coverage.note(for: query.line.map { "stdin:\($0): the question" } ?? "the question") {
                Terminal.note(note)
            }
            if question == "-" { print("# \(query.text)") }
            for (rank, match) in matches.enumerated() {
                let mark = match.isDuplicate ? "duplicate" : "         "
                print(String(format: "%3d  ", rank + 1) + match.score.score + "  \(mark)  \(match.text)")
            }
        }
        StandardStreams.flushOutput()
        return foundDuplicate
    }
}

extension Query {
    /// The largest `-k` of `query` and `eval`: far more matches than anyone reads, small enough for any arithmetic.
    static let maximumK = 1_000_000
}

struct QueryResult: Encodable {
    var query: String
    var model: String
    var threshold: Float?
    /// Words of the query, and those the model knows nothing of (neither the word nor a sub-word).
    var words: Int
    var unknownWords: Int
    var matches: [MatchResult]

    enum CodingKeys: String, CodingKey {
        case query, model, threshold, words, matches
        case unknownWords = "unknown_words"
    }
}

extension WordCoverage {
    /// A line for stderr when some words are unknown to the model, nil when all are known.
    func note(for subject: String) -> String? {
        guard unknownWords > 0 else { return nil }
        let counts = "\(unknownWords) of \(words) words of \(subject) are unknown to the model"
        return hasKnownWords ? counts : counts + ": nothing is marked duplicate"
    }
}

struct MatchResult: Encodable {
    var rank: Int
    var id: Int64
    var externalID: String?
    var score: Float
    var fusedScore: Double?
    var duplicate: Bool
    var text: String

    init(rank: Int, _ match: QuestionSearch.Match) {
        self.rank = rank
        id = match.questionID
        externalID = match.externalID
        score = match.score
        fusedScore = match.fusedScore
        duplicate = match.isDuplicate
        text = match.text
    }

    enum CodingKeys: String, CodingKey {
        case rank, id, score, duplicate, text
        case externalID = "external_id", fusedScore = "fused_score"
    }
}
