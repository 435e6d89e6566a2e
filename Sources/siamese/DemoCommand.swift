import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Demo: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train on the sample FAQ, index it, and answer the course notebook's questions.",
        discussion: """
            Uses SampleData/faq_pairs.tsv (labelled pairs) and SampleData/faq_questions.txt (the FAQ to index), \
            found in --data, else ./SampleData, else the source checkout this binary was built from. \
            The index is written to a temporary file and removed, unless --db names one to keep.
            """)

    @Option(name: .long, help: ArgumentHelp("Folder holding faq_pairs.tsv and faq_questions.txt.", valueName: "dir"),
            completion: .directory)
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Keep the demo index in this file (its model \"demo\" is replaced).",
                                            valueName: "path"), completion: .file())
    var db: String?

    @Option(name: .long, help: "Training epochs.")
    var epochs = 30

    @OptionGroup var threads: ThreadOptions

    /// The course notebook's questions; their partners are in the FAQ, and must come first.
    static let queries = ["How old are you?", "How much is the fish?", "Do you like this course?",
                          "How can I get my money back?"]

    func validate() throws {
        try OptionBounds.check(epochs, "--epochs", 1...ModelConfig.maximumEpochs)
    }

    func execute() throws {
        let workers = threads.apply()
        let folder = try sampleDataFolder()
        let pairsFile = folder.appendingPathComponent("faq_pairs.tsv").path
        let questionsFile = folder.appendingPathComponent("faq_questions.txt").path
        let pairs = try PairReader().read(pairsFile).pairs
        let questions = try QuestionReader().read(questionsFile).questions

        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("siamese-demo-\(UUID().uuidString)")
        let path = db ?? temporary.appendingPathComponent("demo.sqlite").path
        if db == nil { try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true) }
        defer { if db == nil { try? FileManager.default.removeItem(at: temporary) } }
        let store = try QuestionStore(path: path, mode: .readWrite)

        var config = ModelConfig.recommended
        config.epochs = epochs
        let trainingSet = TrainingSet(pairs: pairs, config: config)
        print("1. train: \(trainingSet.pairsDescription) from \(pairsFile), \(epochs) epochs")
        let start = Date()
        let outcome = try ModelTraining(modelName: "demo", config: config, calibrationPairs: pairs, workers: workers)
            .run(store: store, trainingSet: trainingSet)
        print(String(format: "   loss %.4f → %.4f in %.1f s; duplicate threshold ", outcome.epochs[0].loss,
                     outcome.epochs.last?.loss ?? 0, Date().timeIntervalSince(start)) + (outcome.threshold?.score ?? "none"))

        let model = try store.loadModel(name: "demo")
        let added = try store.addRows(questions, source: "faq_questions.txt")
        let embedded = try Indexer(store: store, model: model, workers: workers).embedMissing()
        print("2. index: \(added.addedQuestions.count) FAQ questions from \(questionsFile), \(embedded) embedded")

        print("3. query: the 3 best stored questions for each new one")
        let search = try QuestionSearch(store: store, modelName: "demo")
        for (query, matches) in zip(Self.queries, try search.search(Self.queries, k: 3)) {
            print("   \(query)")
            for match in matches {
                print("     \(match.score.score)  \(match.isDuplicate ? "duplicate" : "         ")  \(match.text)")
            }
        }

        print("4. compare: one-shot similarity of two questions")
        for (first, second) in [("Do you like this course?", "Are you happy with this course?"),
                                ("Do you like this course?", "Do you speak German?")] {
            let similarity = try model.model.similarity(first, second)
            print("   \(similarity.score)  \(first) / \(second)")
        }
        if let db { print("index kept in \(db): try `siamese query --db \(db) \"How old are you?\"`") }
    }

    /// --data, else ./SampleData, else SampleData in the checkout this file was compiled from.
    private func sampleDataFolder() throws -> URL {
        let candidates: [String?] = [data, "SampleData",
                          URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                              .deletingLastPathComponent().appendingPathComponent("SampleData").path]
        for case let candidate? in candidates
        where FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("faq_pairs.tsv")) {
            return URL(fileURLWithPath: candidate)
        }
        if let data { throw CommandError("\(data) has no faq_pairs.tsv") }
        throw CommandError("cannot find SampleData/faq_pairs.tsv; run from the project folder or pass --data DIR")
    }
}
