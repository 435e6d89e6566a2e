import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Index: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add questions to the index and embed them with the model.",
        discussion: """
            Each FILE is plain text with one question per line, or a TSV/CSV file with a header and a question \
            column (or question1/question2, as in a pair file: both questions of every row are added) and an \
            optional id column. Every row is kept with its id (or its line): rows with the same words (ignoring \
            case and punctuation) share one stored question, embedded once. Indexing a file again adds nothing; \
            a row whose id is stored with another text is updated to the new text. Ids are unique per source \
            (the file name, or --source). With no FILE, embeds the stored questions that have no vector yet \
            (after a retrain). FILE - reads standard input, one question per line (a table needs a .tsv or .csv \
            file name). Vectors are committed in batches: an interrupted run resumes where it stopped.
            """)

    @Argument(help: ArgumentHelp("Files of questions to add.", valueName: "file"), completion: .file())
    var files: [String] = []

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Recompute every vector of the model (after retraining it).")
    var reembed = false

    @Option(name: .long, help: ArgumentHelp(
        "The name the rows are stored under (default: the file name; stdin for -); ids are unique per source.",
        valueName: "name"))
    var source: String?

    @Flag(name: .long, help: "Also remove the source's stored rows that the file no longer has, so the index mirrors it.")
    var sync = false

    @Flag(name: .long, help: "Skip malformed rows and questions without words (counted) instead of stopping.")
    var skipBad = false

    @Option(name: .long, help: "Questions encoded per batch (1 to 65536).")
    var batchSize = 512

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        try OptionBounds.check(batchSize, "--batch-size", 1...65_536)
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (standard input) can be given once") }
        if let source {
            if files.count != 1 { throw ValidationError("--source names the rows of one file; give exactly one FILE") }
            if source.isEmpty || source.contains(where: { $0.isNewline }) {
                throw ValidationError("--source must be a non-empty name on one line")
            }
        }
        if sync && files.isEmpty { throw ValidationError("--sync needs the FILE whose rows the index should mirror") }
    }

    func execute() throws {
        let workers = threads.apply()
        // Inputs are read a slice at a time inside the write transaction: memory stays flat in the input's size,
        // and a bad row still rolls everything back. A table with ids is read twice there (the texts of each id
        // first: an id's rows may be anywhere in the file), so it must be a regular file; from a pipe, it is read,
        // checked and keyed whole first. So is a CSV file: only the whole-file reader tells a quote left open from
        // a quoted field that spans lines.
        var streams: [QuestionStream] = []
        for file in files {
            let stream = try QuestionStream(path: file, pairLayout: true)
            guard !stream.isCSV, !stream.hasExternalIDs || stream.fractionRead != nil else {
                streams = []
                break
            }
            streams.append(stream)
        }
        let sliced = !streams.isEmpty
        // A regular file is first read through once, checked and keyed as it will be written and then dropped, so
        // that bad input is named before the index is opened, as for a table. A pipe cannot be read twice: its
        // rows are checked as they are written, after the index is opened, and a bad one rolls everything back.
        for (file, stream) in zip(files, streams) where stream.fractionRead != nil {
            var check = try QuestionStream(path: file, pairLayout: true)
            defer { check.close() }
            var rowsOfFile = 0
            while try PreparedRows.nextSlice(of: &check, source: sourceName(of: file), limit: 65_536,
                                             skipBad: skipBad, rowsSoFar: &rowsOfFile, skippedRow: { _ in }) != nil {}
        }
        var inputs: [PreparedRows] = []
        var badRows = 0
        let reader = QuestionReader(skipBad: skipBad)
        for file in files where !sliced {
            // `-` is standard input, named as such in messages and as the questions' source.
            let output = try reader.read(file == "-" ? "/dev/stdin" : file)
            badRows += output.skipped
            for problem in output.problems.prefix(5) { Terminal.note("skipped: \(problem)") }
            let prepared = try PreparedRows(output.questions, source: sourceName(of: file), skipBad: skipBad)
            badRows += prepared.skipped.count
            for row in prepared.skipped.prefix(5) { Terminal.note("skipped: \(row.problem)") }
            inputs.append(prepared)
        }

        // Load the model read-only first: without one, the file is left untouched.
        let model = try database.openForChecking().loadModel(name: modelOptions.model)
        let store = try database.openExistingForWriting()
        var rows = IndexedRows()
        if sliced {
            let reading = ProgressLine()
            let inputs = zip(files, streams).map { file, opened in
                var readings = 0
                return QuestionStore.SlicedInput(source: sourceName(of: file), hasExternalIDs: opened.hasExternalIDs) {
                    readings += 1
                    // The stream opened above serves the first reading; a second one (ids first) opens the file again.
                    var stream = readings == 1 ? opened : try QuestionStream(path: file, pairLayout: true)
                    // Rows are counted, and bad ones noted, in the reading that writes them.
                    let writing = !opened.hasExternalIDs || readings == 2
                    let what = writing ? "reading \(file)" : "reading the ids of \(file)"
                    var rowsOfFile = 0, notes = 0, slicesRead = 0
                    return {
                        let slice = try PreparedRows.nextSlice(
                            of: &stream, source: sourceName(of: file), limit: 65_536, skipBad: skipBad,
                            rowsSoFar: &rowsOfFile
                        ) { problem in
                            guard writing else { return }
                            badRows += 1
                            if notes < 5 { Terminal.note("skipped: \(problem)"); notes += 1 }
                        }
                        guard let slice else {
                            stream.close()
                            return nil
                        }
                        // The ids' reading of a file of one slice is too short to show (its notes come after).
                        slicesRead += 1
                        if writing || slicesRead > 1 {
                            reading.update(what, done: rowsOfFile, fraction: stream.fractionRead, unit: "rows")
                        }
                        return slice
                    }
                }
            }
            rows = try store.addRows(inputs: inputs, sync: sync)
            reading.finish()
        } else {
            for input in inputs { rows.add(try store.addRows(input, sync: sync)) }
        }
        let indexer = Indexer(store: store, model: model, batchSize: batchSize, workers: workers)
        let progress = ProgressLine()
        let start = Date()
        let report: (Int, Int) -> Void = { done, total in
            progress.update("embedding \(done)/\(total)", done: done, total: total, unit: "questions")
        }
        // A re-embedding fills a copy of the model, swapped in at the end: queries never see a mix.
        let embedded = reembed
            ? try ModelSwap.reembed(store: store, model: model, batchSize: batchSize, workers: workers, progress: report)
            : try indexer.embedMissing(progress: report)
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let total = try store.embeddingCount(modelID: reembed ? store.loadModelID(name: model.name) : model.id)
        // Each model has its own vectors: say which others the new questions left behind, and how to catch up.
        let questionCount = try store.questionCount()
        for other in try store.modelSummaries() where other.name != model.name && other.embeddingCount < questionCount {
            Terminal.note("model \"\(other.name)\" has no vector for \(questionCount - other.embeddingCount) questions: "
                + "run `siamese index --db \(database.path.shellQuoted) --model \(other.name.shellQuoted)` to embed them")
        }
        if json {
            try Terminal.printJSON(IndexSummary(database: database.path, model: model.name, rows: rows,
                                                skippedBad: badRows, embedded: embedded, seconds: seconds, indexed: total))
        } else {
            if !files.isEmpty { print(Self.describe(rows, skippedBad: badRows)) }
            let rate = seconds > 0 ? Double(embedded) / seconds : 0
            if embedded == 0 {
                print("nothing new to embed; \(total) questions indexed with model \"\(model.name)\"")
                return
            }
            print("embedded \(embedded) with model \"\(model.name)\" in \(String(format: "%.2f", seconds)) s (\(Int(rate.rounded())) questions/s); \(total) questions indexed")
        }
    }

    /// The name the rows of `file` are stored under: --source, else the file name (`stdin` for -).
    private func sourceName(of file: String) -> String {
        source ?? (file == "-" ? "stdin" : URL(fileURLWithPath: file).lastPathComponent)
    }

    /// "rows: 6 new, 1 updated, 3 unchanged; questions: 5 added, 1 removed".
    static func describe(_ rows: IndexedRows, skippedBad: Int) -> String {
        var parts = ["\(rows.newRows) new", "\(rows.updatedRows) updated", "\(rows.unchangedRows) unchanged"]
        if rows.repeatedRows > 0 { parts.append("\(rows.repeatedRows) repeated") }
        if rows.removedRows > 0 { parts.append("\(rows.removedRows) removed") }
        if skippedBad > 0 { parts.append("\(skippedBad) bad skipped") }
        var line = "rows: " + parts.joined(separator: ", ") + "; questions: \(rows.addedQuestions.count) added"
        if rows.removedQuestions > 0 { line += ", \(rows.removedQuestions) removed" }
        return line
    }
}

struct IndexSummary: Encodable {
    var database: String
    var model: String
    var rows: IndexedRows
    var skippedBad: Int
    var embedded: Int
    var seconds: Double
    var indexed: Int

    enum CodingKeys: String, CodingKey {
        case database, model, embedded, seconds, indexed
        case addedQuestions = "added_questions", removedQuestions = "removed_questions"
        case newRows = "new_rows", updatedRows = "updated_rows", unchangedRows = "unchanged_rows"
        case repeatedRows = "repeated_rows"
        case removedRows = "removed_rows", skippedBad = "skipped_bad"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(database, forKey: .database)
        try container.encode(model, forKey: .model)
        try container.encode(rows.addedQuestions.count, forKey: .addedQuestions)
        try container.encode(rows.removedQuestions, forKey: .removedQuestions)
        try container.encode(rows.newRows, forKey: .newRows)
        try container.encode(rows.updatedRows, forKey: .updatedRows)
        try container.encode(rows.unchangedRows, forKey: .unchangedRows)
        try container.encode(rows.repeatedRows, forKey: .repeatedRows)
        try container.encode(rows.removedRows, forKey: .removedRows)
        try container.encode(skippedBad, forKey: .skippedBad)
        try container.encode(embedded, forKey: .embedded)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(indexed, forKey: .indexed)
    }
}
