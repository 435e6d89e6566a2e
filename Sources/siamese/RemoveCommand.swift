import ArgumentParser
import Foundation
import QuestionIndex

struct Remove: ReportingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove rows and questions from the index.",
        discussion: """
            --id removes a stored question (the id query, check and dedup print) with every row that names it. \
            --external-id removes the rows with that id (the one the input file gave them), of the --source given, \
            else of every source. --source alone removes every row of that source (the file name index stored). \
            A question no row names any more is removed with its vectors. Everything named must exist, else \
            nothing is removed and the exit status is 1.
            """)

    @Option(name: .customLong("id"), help: ArgumentHelp("A stored question's id (repeatable).", valueName: "id"))
    var ids: [Int64] = []

    @Option(name: .customLong("external-id"), help: ArgumentHelp("A row's id from its input file (repeatable).",
                                                                 valueName: "id"))
    var externalIDs: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "A source (input file name): alone, all its rows; with --external-id, the source the ids belong to.",
        valueName: "name"))
    var source: String?

    @OptionGroup var database: DatabaseOptions

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if ids.isEmpty && externalIDs.isEmpty && source == nil {
            throw ValidationError("name what to remove: --id, --external-id or --source")
        }
        if !ids.isEmpty && source != nil && externalIDs.isEmpty {
            throw ValidationError("--source with --id is ambiguous; remove the source and the ids in two commands")
        }
    }

    var targets: [RemovalTarget] {
        var targets = ids.map(RemovalTarget.question)
        if externalIDs.isEmpty {
            if let source { targets.append(.source(source)) }
        } else {
            targets += externalIDs.map { .externalID($0, source: source) }
        }
        return targets
    }

    func execute() throws {
        let removed = try database.openExistingForWriting().remove(targets)
        if json {
            try Terminal.printJSON(["removed_rows": removed.rows, "removed_questions": removed.questions])
        } else {
            print("removed \(removed.rows) \(removed.rows == 1 ? "row" : "rows") and \(removed.questions) "
                  + "\(removed.questions == 1 ? "question" : "questions") (with their vectors)")
        }
    }
}
