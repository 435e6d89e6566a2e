import ArgumentParser

@main
struct Siamese: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siamese",
        abstract: "A question index: a Siamese LSTM learns duplicate questions; new questions are matched in one shot.",
        discussion: """
            Train a model on duplicate pairs, index your questions, then ask whether a question was asked before.
            Everything lives in one SQLite file (--db, default $SIAMESE_DB or siamese.sqlite).
            """,
        version: Version.description,
        subcommands: [Train.self, Index.self, Remove.self, Query.self, Compare.self, Dedup.self, Check.self, Eval.self, Info.self, Model.self,
                      Demo.self])

    static func main() {
        StandardStreams.prepare()
        main(nil)
    }
}
