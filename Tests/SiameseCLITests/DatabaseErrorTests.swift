import Foundation
import Testing

@Suite("bad databases")
struct DatabaseErrorTests {
    @Test("a file that is not SQLite is refused by every command and left untouched")
    func notADatabase() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            try workspace.write("notes.sqlite", "These are my notes, not a database.\n")
            let before = try workspace.snapshot("notes.sqlite")
            let commands: [[String]] = [
                ["query", "How old are you?"],
                ["index", "SampleData/faq_questions.txt"],
                ["info"],
                ["compare", "How old are you?", "What is your age?"],
                ["train", "--pairs", "SampleData/faq_pairs.tsv"] + Workspace.quickTraining,
            ]
            for command in commands {
                expectError(try workspace.run(command + ["--db", "notes.sqlite"]), "notes.sqlite is not a SQLite database")
                #expect(try workspace.snapshot("notes.sqlite") == before, "\(command[0])")
            }
        }
    }

    @Test("a database that does not exist is reported, not created")
    func noIndex() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let commands: [[String]] = [
                ["index", "SampleData/faq_questions.txt"],
                ["query", "How old are you?"],
                ["query", "-"],
                ["compare", "How old are you?", "What is your age?"],
                ["info"],
            ]
            for command in commands {
                expectError(try workspace.run(command + ["--db", "missing.sqlite"]),
                            "no index at missing.sqlite; create one with `siamese train --db missing.sqlite --pairs FILE`")
                expectError(try workspace.run(command), "no index at siamese.sqlite; create one with `siamese train --db siamese.sqlite --pairs FILE`")
            }
            #expect(try workspace.snapshot("missing.sqlite") == .absent)
            #expect(try workspace.snapshot() == .absent)
        }
    }

    @Test("a query before anything is indexed says to run index")
    func nothingIndexed() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let before = try workspace.snapshot()
            let message = #"no questions are indexed in siamese.sqlite for model "default"; add some with `siamese index --db siamese.sqlite --model default FILE`"#
            expectError(try workspace.run("query", "How old are you?"), message)
            expectError(try workspace.run("query", "-", stdin: "How old are you?\n"), message)
            #expect(try workspace.snapshot() == before)
            // compare needs only the model.
            try workspace.succeed("compare", "How old are you?", "What is your age?")
        }
    }

    @Test("an index without models says to train one",
          .enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell (/usr/bin/sqlite3) to delete the models"))
    func noModel() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try SQLiteShell.run("DELETE FROM model", in: workspace)
            let before = try workspace.snapshot()
            let message = "no model in siamese.sqlite; train one with `siamese train --db siamese.sqlite --pairs FILE`"
            expectError(try workspace.run("query", "How old are you?"), message)
            expectError(try workspace.run("compare", "How old are you?", "What is your age?"), message)
            #expect(try workspace.snapshot() == before)
            expectError(try workspace.run("index", "SampleData/faq_questions.txt"), message)

            let info = try workspace.succeed("info")
            #expect(Array(info.stdoutLines.dropFirst(3)) == ["questions  120", "models     none: run `siamese train`"])
        }
    }

    @Test("a weight BLOB of the wrong size is reported with the weight's name",
          .enabled(if: SQLiteShell.isAvailable, "needs the sqlite3 shell (/usr/bin/sqlite3) to damage a weight"))
    func corruptWeight() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try SQLiteShell.run("UPDATE weight SET data = substr(data, 1, 100) WHERE name = 'lstm.bias'", in: workspace)
            let before = try workspace.snapshot()
            let message = """
                weight "lstm.bias" of model "default" in siamese.sqlite is corrupt: \
                it has 100 bytes of data; shape [32] needs 128 bytes
                """
            expectError(try workspace.run("query", "How old are you?"), message)
            expectError(try workspace.run("compare", "How old are you?", "What is your age?"), message)
            #expect(try workspace.snapshot() == before)
            expectError(try workspace.run("index", "SampleData/faq_questions.txt"), message)
            // info reads no weights: it still describes the index.
            #expect(try workspace.succeed("info").stdoutLines[3] == "questions  120")
        }
    }
}
