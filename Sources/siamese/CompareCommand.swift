import ArgumentParser
import Foundation
import QuestionIndex
import SiameseNet

struct Compare: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the cosine similarity of two questions: the one-shot test.",
        discussion: "Needs a trained model, not an index of questions.")

    @Argument(help: "The first question.")
    var first: String

    @Argument(help: "The second question.")
    var second: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threads: ThreadOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @OptionGroup var exitStatus: ExitStatusOption

    var errorExitCode: Int32 { exitStatus.errorExitCode }

    func execute() throws {
        // One small product per query: more threads only add start-up cost.
        threads.apply(default: 1)
        let stored = try database.openForReading().loadModel(name: modelOptions.model)
        for (text, place) in [(first, "first"), (second, "second")] where stored.model.tokenIDs(text).isEmpty {
            throw CommandError("the \(place) question \"\(text)\" has no words to compare")
        }
        let similarity = try stored.model.similarity(first, second)
        let coverages = [stored.model.coverage(of: first), stored.model.coverage(of: second)]
        // A question of unknown words only encodes as <UNK>s: its score says nothing, so it is no duplicate.
        let known = coverages.allSatisfy(\.hasKnownWords)
        let duplicate = stored.threshold.map { known && similarity >= $0 }
        if json {
            try Terminal.printJSON(CompareResult(similarity: similarity, threshold: stored.threshold,
                                                 duplicate: duplicate, model: stored.name,
                                                 words: coverages.map(\.words), unknownWords: coverages.map(\.unknownWords)))
            try exitStatus.finish(foundDuplicate: duplicate == true)
            return
        }
        for (coverage, place) in zip(coverages, ["first", "second"]) {
            if let note = coverage.note(for: "the \(place) question") { Terminal.note(note) }
        }
        if let threshold = stored.threshold, let duplicate {
            print("\(similarity.score)  \(duplicate ? "duplicate" : "not a duplicate") (threshold \(threshold.score))")
        } else {
            print("\(similarity.score)  (model \"\(stored.name)\" has no duplicate threshold)")
        }
        try exitStatus.finish(foundDuplicate: duplicate == true)
    }
}

struct CompareResult: Encodable {
    var similarity: Float
    var threshold: Float?
    var duplicate: Bool?
    var model: String
    /// Per question: its words, and those unknown to the model.
    var words: [Int]
    var unknownWords: [Int]

    enum CodingKeys: String, CodingKey {
        case similarity, threshold, duplicate, model, words
        case unknownWords = "unknown_words"
    }
}
