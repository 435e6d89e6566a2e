import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Index: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add questions to the index and embed them with the model.",
        discussion: """
            Each FILE is plain text with one question per line, or a TSV/CSV file with a header and a question \
            column (or question1/question2, as in a pair file: both questions of every row are added). \
            A question already stored (same words, ignoring case and punctuation) is skipped, so indexing a \
            file twice adds nothing. With no FILE, embeds the stored questions that have no vector yet \
            (after a retrain). FILE - reads standard input, one question per line (a table needs a .tsv or .csv file name). Vectors are             committed in batches: an interrupted run resumes where it stopped.
            """)

    @Argument(help: ArgumentHelp("Files of questions to add.", valueName: "file"), completion: .file())
    var files: [String] = []

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Recompute every vector of the model (after retraining it).")
    var reembed = false

    @Flag(name: .long, help: "Skip malformed rows and questions without words (counted) instead of stopping.")
    var skipBad = false

    @Option(name: .long, help: "Questions encoded per batch (1 to 65536).")
    var batchSize = 512

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        try OptionBounds.check(batchSize, "--batch-size", 1...65_536)
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given once") }
    }

    func execute() throws {
        let workers = threads.apply()
        // Read and check every file before writing anything.
        var inputs: [(file: String, questions: [SourceQuestion])] = []
        var badRows = 0
        let reader = QuestionReader(skipBad: skipBad)
        let tokenizer = Tokenizer()
        for file in files {
            // `-` is standard input, named as such in messages and as the questions' source.
            let output = try reader.read(file == "-" ? "/dev/stdin" : file)
            badRows += output.skipped
            for problem in output.problems.prefix(5) { Terminal.note("skipped: \(problem)") }
            var questions: [SourceQuestion] = []
            for question in output.questions {
                if tokenizer.normalized(question.text).isEmpty {
                    guard skipBad else {
                        throw CommandError("\(file == "-" ? "/dev/stdin" : file):\(question.line): the question has no words")
                    }
                    badRows += 1
                    continue
                }
                questions.append(question)
            }
            inputs.append((file, questions))
        }

        // Load the model read-only first: without one, the file is left untouched.
        let model = try database.openForChecking().loadModel(name: modelOptions.model)
        let store = try database.openExistingForWriting()
        var added = 0, alreadyStored = 0
        for input in inputs {
            let result = try store.addQuestions(input.questions.map { ($0.text, $0.externalID) },
                                                source: input.file == "-" ? "stdin" : URL(fileURLWithPath: input.file).lastPathComponent)
            added += result.added.count
            alreadyStored += result.skipped
        }
        if reembed { _ = try store.deleteEmbeddings(modelID: model.id) }

        let indexer = Indexer(store: store, model: model, batchSize: batchSize, workers: workers)
        let progress = ProgressLine()
        let start = Date()
        let embedded = try indexer.embedMissing { done, total in
            progress.update("embedding \(done)/\(total)", done: done, total: total, unit: "questions")
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let total = try store.embeddingCount(modelID: model.id)
        if json {
            try Terminal.printJSON(IndexSummary(database: database.path, model: model.name, added: added,
                                                alreadyStored: alreadyStored, skippedBad: badRows, embedded: embedded,
                                                seconds: seconds, indexed: total))
        } else {
            var line = "added \(added) questions (\(alreadyStored) already stored"
            if badRows > 0 { line += ", \(badRows) bad rows skipped" }
            print(line + ")")
            let rate = seconds > 0 ? Double(embedded) / seconds : 0
            if embedded == 0 {
                print("nothing new to embed; \(total) questions indexed with model \"\(model.name)\"")
                return
            }
            print("embedded \(embedded) with model \"\(model.name)\" in \(String(format: "%.2f", seconds)) s (\(Int(rate.rounded())) questions/s); \(total) questions indexed")
        }
    }
}

struct IndexSummary: Encodable {
    var database: String
    var model: String
    var added: Int
    var alreadyStored: Int
    var skippedBad: Int
    var embedded: Int
    var seconds: Double
    var indexed: Int

    enum CodingKeys: String, CodingKey {
        case database, model, added, embedded, seconds, indexed
        case alreadyStored = "already_stored", skippedBad = "skipped_bad"
    }
}
