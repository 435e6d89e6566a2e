import ArgumentParser
import Foundation
import QuestionIndex

struct Check: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a file of new questions against the index: which were asked before?",
        discussion: """
            FILE is plain text (one question per line) or a TSV/CSV file with a header, a question column and an \
            optional id column; - reads plain lines from stdin. For every row it prints the row's id (or line \
            number), its best stored matches with their ids, external ids and scores, and "duplicate" when a score \
            reaches the model's threshold. Rows are read and answered in batches, so output starts at once and \
            memory stays flat on any input size. A row with no words is reported on stderr and skipped.
            Exit status: 0 when no row is a duplicate, 1 when some are, 2 on error (bad options: 64).
            """)

    @Argument(help: ArgumentHelp("The questions to check, or - for stdin.", valueName: "file"), completion: .file())
    var file: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Option(name: .short, help: "Matches to show per row (1 to 1000000).")
    var k = 1

    @Option(name: .long, help: "Output: text, tsv, csv or jsonl.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Skip malformed rows (wrong field count, invalid UTF-8, empty question) with a note instead of stopping.")
    var skipBad = false

    @Option(name: .long, help: "Rows checked per batch (1 to 65536).")
    var batchSize = 256

    func validate() throws {
        try OptionBounds.check(k, "-k", 1...Query.maximumK)
        try OptionBounds.check(batchSize, "--batch-size", 1...65_536)
    }

    /// Exit status on error: 2, so that it differs from 1, "some row is a duplicate" (as `diff` does).
    var errorExitCode: Int32 { 2 }

    func execute() throws {
        if try checkRows() {
            StandardStreams.flushOutput()
            throw ExitCode(1)
        }
    }

    /// Checks every row; true when some row is a duplicate.
    private func checkRows() throws -> Bool {
        threads.apply(default: 1)
        var stream = try QuestionStream(path: file)
        defer { stream.close() }
        let checker = try DuplicateCheck(search: QuestionSearch(store: database.openForReading(), modelName: modelOptions.model), k: k)
        let printer = CheckPrinter(format: format, source: file == "-" ? "stdin" : file)
        printer.printHeader()
        var batch: [SourceQuestion] = [], rows = 0, duplicates = 0, skipped = 0
        let progress = ProgressLine()
        let start = Date()
        func flush() throws {
            guard !batch.isEmpty else { return }
            for outcome in try checker.check(batch) {
                try printer.print(outcome)
                if outcome.isDuplicate { duplicates += 1 }
            }
            rows += batch.count
            batch.removeAll(keepingCapacity: true)
            fflush(nil)  // every row so far reaches a pipe now, not at exit
            progress.update("checked \(rows) rows, \(duplicates) duplicates", done: rows, fraction: stream.fractionRead,
                            unit: "rows")
        }
        while let row = try stream.next() {
            switch row {
            case .failure(let problem):
                guard skipBad else {
                    try flush()  // the rows before the bad one are answered
                    throw problem
                }
                skipped += 1
                Terminal.note("skipped: \(problem)")
            case .success(let question):
                guard checker.hasWords(question.text) else {
                    skipped += 1
                    Terminal.note("\(printer.source):\(question.line): skipped: the question has no words")
                    continue
                }
                batch.append(question)
                if batch.count >= batchSize { try flush() }
            }
        }
        try flush()
        progress.finish()
        Terminal.note("\(rows) rows checked, \(duplicates) duplicates" + (skipped > 0 ? ", \(skipped) skipped" : "")
            + String(format: " in %.2f s", Date().timeIntervalSince(start)))
        return duplicates > 0
    }
}

/// Prints checked rows in one of the output formats.
struct CheckPrinter {
    let format: OutputFormat
    /// The input's name in messages.
    let source: String
    private let lines = JSONLines()

    init(format: OutputFormat, source: String) {
        self.format = format
        self.source = source
    }

    func printHeader() {
        if format == .tsv || format == .csv {
            Swift.print(format.row(["row", "line", "question", "rank", "score", "duplicate", "match_id",
                                    "match_external_id", "match_question"]))
        }
    }

    func print(_ outcome: DuplicateCheck.Outcome) throws {
        let row = outcome.row
        let name = row.externalID ?? "line \(row.line)"
        switch format {
        case .text:
            Swift.print("# \(name): \(row.text)")
            for (rank, match) in outcome.matches.enumerated() {
                let mark = match.isDuplicate ? "duplicate" : "         "
                let id = match.externalID.map { "#\(match.questionID) (\($0))" } ?? "#\(match.questionID)"
                Swift.print(String(format: "%3d  ", rank + 1) + "\(match.score.score)  \(mark)  \(id)  \(match.text)")
            }
        case .tsv, .csv:
            for (rank, match) in outcome.matches.enumerated() {
                Swift.print(format.row([row.externalID ?? "\(row.line)", "\(row.line)", row.text, "\(rank + 1)",
                                        match.score.score, match.isDuplicate ? "1" : "0", "\(match.questionID)",
                                        match.externalID ?? "", match.text]))
            }
        case .jsonl:
            Swift.print(try lines.line(CheckRecord(
                row: row.externalID, line: row.line, question: row.text, duplicate: outcome.isDuplicate,
                matches: outcome.matches.enumerated().map { MatchResult(rank: $0.offset + 1, $0.element) })))
        }
    }
}

struct CheckRecord: Encodable {
    var row: String?
    var line: Int
    var question: String
    var duplicate: Bool
    var matches: [MatchResult]

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(row, forKey: .row)  // null without an id column: keys are stable
        try c.encode(line, forKey: .line)
        try c.encode(question, forKey: .question)
        try c.encode(duplicate, forKey: .duplicate)
        try c.encode(matches, forKey: .matches)
    }

    enum CodingKeys: String, CodingKey { case row, line, question, duplicate, matches }
}
