import ArgumentParser
import Foundation
import QuestionIndex

/// `siamese model`: the models of an index, and which one commands use when none is named.
struct Model: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models of the index, choose the default one, or remove one.",
        discussion: """
            Commands use the model --model names; without it, the default model (`siamese model use NAME`), \
            else the most recently trained one. Retraining the default model keeps it the default.
            """,
        subcommands: [List.self, Use.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: ReportingCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models: name, dimension, vectors, threshold; * marks the one commands use.")

        @OptionGroup var database: DatabaseOptions

        @Flag(name: .long, help: "Print JSON: one object per model.")
        var json = false

        func execute() throws {
            let store = try database.openForReading()
            let summaries = try store.modelSummaries()
            let current = summaries.isEmpty ? nil : try store.loadModelID(name: nil)
            if json {
                try Terminal.printJSON(summaries.map { summary in
                    ModelListEntry(name: summary.name, isDefault: summary.isDefault, inUse: summary.id == current,
                                   dimension: summary.dimension, vectors: summary.embeddingCount,
                                   threshold: summary.threshold, trainedAt: summary.trainedAt ?? summary.createdAt)
                })
                return
            }
            if summaries.isEmpty { print("no models: run `siamese train`") }
            for summary in summaries {
                let mark = summary.id == current ? "*" : " "
                let why = summary.isDefault ? " (default)" : summary.id == current ? " (most recently trained)" : ""
                print("\(mark) \(summary.name)\(why): d = \(summary.dimension), \(summary.embeddingCount) vectors, "
                      + "threshold \(summary.threshold?.score ?? "none")")
            }
        }
    }

    struct Use: ReportingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make NAME the model commands use when --model is not given.")

        @Argument(help: ArgumentHelp("The model's name.", valueName: "name"))
        var name: String

        @OptionGroup var database: DatabaseOptions

        func execute() throws {
            try database.openExistingForWriting().setDefaultModel(name: name)
            print("commands now use model \"\(name)\" when --model is not given")
        }
    }

    struct Remove: ReportingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the model NAME with its weights, learning curve and vectors (the questions stay).")

        @Argument(help: ArgumentHelp("The model's name.", valueName: "name"))
        var name: String

        @OptionGroup var database: DatabaseOptions

        func execute() throws {
            try database.openExistingForWriting().deleteModel(name: name)
            print("removed model \"\(name)\"")
        }
    }
}

struct ModelListEntry: Encodable {
    var name: String
    var isDefault: Bool
    var inUse: Bool
    var dimension: Int
    var vectors: Int
    var threshold: Float?
    var trainedAt: Date

    enum CodingKeys: String, CodingKey {
        case name, dimension, vectors, threshold
        case isDefault = "default", inUse = "in_use", trainedAt = "trained_at"
    }

    func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(isDefault, forKey: .isDefault)
        try c.encode(inUse, forKey: .inUse)
        try c.encode(dimension, forKey: .dimension)
        try c.encode(vectors, forKey: .vectors)
        try c.encode(threshold, forKey: .threshold)  // null when not calibrated
        try c.encode(trainedAt, forKey: .trainedAt)
    }
}
