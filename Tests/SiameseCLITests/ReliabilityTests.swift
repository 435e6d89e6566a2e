import Foundation
import Testing

/// Option values that used to crash a command (traps, heap corruption) are usage errors now.
@Suite("numeric option bounds")
struct OptionBoundsTests {
    static let huge = "9223372036854775807"

    static let cases = [
        UsageCase(arguments: ["query", "How old are you?", "-k", "10000000000000"],
                  message: "-k must be at most 1000000, got 10000000000000"),
        UsageCase(arguments: ["query", "How old are you?", "-k", huge], message: "-k must be at most 1000000, got \(huge)"),
        UsageCase(arguments: ["query", "How old are you?", "--threads", "2147483648"],
                  message: "--threads must be at most 1024, got 2147483648"),
        UsageCase(arguments: ["compare", "a b", "c d", "--threads", huge], message: "--threads must be at most 1024, got \(huge)"),
        UsageCase(arguments: ["index", "--batch-size", "4611686018427387904"],
                  message: "--batch-size must be at most 65536, got 4611686018427387904"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--epochs", huge], message: "epochs must be at most 100000, got \(huge)"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--batch-size", huge],
                  message: "batch size must be at most 16384, got \(huge)"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--max-tokens", huge],
                  message: "max tokens must be at most 100000, got \(huge)"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--non-duplicate-weight", "1e38"],
                  message: "non-duplicate weight must be at most 1000.0, got 1e+38"),
        UsageCase(arguments: ["eval", "--pairs", "p.tsv", "-k", huge], message: "-k must be at most 1000000, got \(huge)"),
        UsageCase(arguments: ["eval", "--pairs", "p.tsv", "--threads", "2147483648"],
                  message: "--threads must be at most 1024, got 2147483648"),
        UsageCase(arguments: ["demo", "--epochs", huge], message: "--epochs must be at most 100000, got \(huge)"),
    ]

    @Test("an option value too large for the command is a usage error that touches nothing", arguments: cases)
    func tooLarge(_ usage: UsageCase) throws {
        try withWorkspace { workspace in
            let result = try workspace.run(usage.arguments)
            expectUsageError(result, command: usage.arguments[0], usage.message)
            #expect(try workspace.snapshot() == .absent)
        }
    }
}

@Suite("training that diverges")
struct DivergenceTests {
    @Test("a learning rate that makes the weights NaN stops training with an error and saves nothing")
    func nanWeightsAreNotSaved() throws {
        try withWorkspace { workspace in
            try #require(SQLiteShell.isAvailable)
            try workspace.trainAndIndexQuickModel()
            // The content, not the bytes: opening for writing may checkpoint the write-ahead log.
            let before = try SQLiteShell.run(".dump", in: workspace)
            let arguments = ["train", "--pairs", "SampleData/faq_pairs.tsv", "--force", "--learning-rate", "1e38"]
                + Workspace.quickTraining
            let result = try workspace.run(arguments)
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stdout == "")
            #expect(result.stderrLines.last == """
                siamese: error: training diverged in epoch 1 (weight "embedding" is no longer finite); nothing was \
                saved; try a lower --learning-rate or a --clip-norm
                """, "\(result)")
            // The model it would have replaced is still there, with its vectors.
            #expect(try SQLiteShell.run(".dump", in: workspace) == before)
            try workspace.succeed("query", "How old are you?", "-k", "1")
        }
    }
}

@Suite("threshold calibration")
struct CalibrationBoundsTests {
    @Test("labelled non-duplicates of identical questions: the threshold stays a cosine and training finishes")
    func identicalNonDuplicates() throws {
        try withWorkspace { workspace in
            try workspace.write("same.tsv", """
                question1\tquestion2\tis_duplicate
                How old are you?\tHow old are you?\t0
                What is your age?\tHow old are you?\t1
                Where do you live?\tWhat is your address?\t1
                Do you like it?\tDo you like it?\t0

                """)
            let result = try workspace.succeed(["train", "--pairs", "same.tsv"] + Workspace.quickTraining)
            #expect(result.stdoutLines.contains("duplicate threshold 1.0000 (best accuracy 0.500 on the training pairs)"),
                    "\(result)")
        }
    }
}

/// One row of the index changed behind siamese's back, and the message `query` must answer with.
struct CorruptValueCase: CustomTestStringConvertible, Sendable {
    var sql: String
    var message: String
    var testDescription: String { sql }
}

@Suite("values read back from the database")
struct CorruptValueTests {
    static let cases = [
        CorruptValueCase(sql: "UPDATE model SET threshold = 'abc'",
                         message: #"model.threshold of model "default" is the text "abc", expected a number"#),
        CorruptValueCase(sql: "UPDATE model SET threshold = 1.5",
                         message: #"model.threshold of model "default" is 1.5, not a cosine in [-1, 1]"#),
        CorruptValueCase(sql: "UPDATE model SET created_at = 'yesterday'",
                         message: #"model.created_at of model "default" is the text "yesterday", expected a date"#),
        CorruptValueCase(sql: "PRAGMA ignore_check_constraints = 1; UPDATE model SET dimension = 33",
                         message: #"model.dimension of model "default" is 33 but its configuration says 32"#),
        CorruptValueCase(sql: "UPDATE training_epoch SET loss = 'low' WHERE epoch = 2",
                         message: #"training_epoch.loss of epoch 2 of model id 1 is the text "low", expected a number"#),
        CorruptValueCase(sql: "UPDATE vocabulary SET count = 'many' WHERE token_id = 3",
                         message: #"vocabulary.count of token_id 3 of model id 1 is the text "many", expected an integer"#),
        CorruptValueCase(sql: "UPDATE weight SET data = 'abc' WHERE name = 'lstm.bias'",
                         message: #"weight.data of weight "lstm.bias" of model "default" is the text "abc", expected a BLOB"#),
        CorruptValueCase(sql: "UPDATE embedding SET vector = zeroblob(128) WHERE question_id = 3",
                         message: #"embedding.vector of question 3 of model "default" is not a unit vector (norm 0.0)"#),
        CorruptValueCase(sql: "UPDATE question SET text = x'00' WHERE id = 1",
                         message: "question.text of question 1 is a BLOB of 1 byte, expected text"),
    ]

    @Test("a value of the wrong type or out of range is a one-line corrupt-database error")
    func corruptValue() throws {
        try #require(SQLiteShell.isAvailable)
        try withWorkspace { workspace in
            // One trained index, copied for each case.
            try workspace.trainAndIndexQuickModel()
            let original = try Data(contentsOf: workspace.url(Workspace.database))
            #expect(!FileManager.default.fileExists(atPath: workspace.url(Workspace.database + "-wal").path))
            for (number, corruption) in Self.cases.enumerated() {
                let name = "case\(number).sqlite"
                try original.write(to: workspace.url(name))
                try SQLiteShell.run(corruption.sql, on: name, in: workspace)
                // -k 200: every stored question is shown, so every row is read.
                expectError(try workspace.run("query", "How old are you?", "-k", "200", "--db", name),
                            "\(name) is corrupt: \(corruption.message)")
            }
        }
    }

    @Test("NaN weights stored by an older build are refused")
    func nanWeight() throws {
        try #require(SQLiteShell.isAvailable)
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try SQLiteShell.run("""
                UPDATE weight SET data = CAST(x'0000c07f' || substr(data, 5) AS BLOB) WHERE name = 'lstm.bias'
                """, in: workspace)
            expectError(try workspace.run("compare", "How old are you?", "What is your age?"), """
                weight "lstm.bias" of model "default" in siamese.sqlite is corrupt: it holds values that are not \
                finite numbers
                """)
        }
    }
}

/// Runs siamese under /bin/sh with `redirections` applied to it (`>/dev/full`, `2>&-`, …).
private func runRedirected(_ workspace: Workspace, _ redirections: String, _ arguments: [String]) throws -> CommandResult {
    // The redirections replace what the runner set up; output captured before them is what is left.
    try ExecutableRunner.run(URL(fileURLWithPath: "/bin/sh"),
                             ["-c", "exec \"$0\" \"$@\" \(redirections)", try ExecutableRunner.siamese().path] + arguments,
                             in: workspace.directory, captureDirectory: workspace.captureDirectory, stdin: nil,
                             environment: ["SIAMESE_DB": nil])
}

@Suite("output that cannot be written")
struct OutputFailureTests {
    @Test("results that cannot be written to stdout are an error, not a silent success")
    func stdoutFails() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let full = try runRedirected(workspace, ">/dev/full", ["query", "How old are you?"])
            #expect(full.exitCode == 1, "\(full)")
            #expect(full.stderr == "siamese: error: cannot write the output to stdout: No space left on device\n")
            let closed = try runRedirected(workspace, ">&-", ["info"])
            #expect(closed.exitCode == 1, "\(closed)")
            #expect(closed.stderr == "siamese: error: cannot write the output to stdout: Bad file descriptor\n")
        }
    }

    @Test("a full or closed stderr loses the progress lines, and the command still succeeds")
    func stderrFails() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            for redirection in ["2>/dev/full", "2>&-"] {
                let train = try runRedirected(workspace, redirection, ["train", "--pairs", "SampleData/faq_pairs.tsv",
                                                                       "--force"] + Workspace.quickTraining)
                #expect(train.exitCode == 0, "\(redirection): \(train)")
                #expect(train.stdoutLines.last?.hasPrefix("saved to siamese.sqlite") == true, "\(train)")
                // Every vector is computed again, with a progress line.
                let index = try runRedirected(workspace, redirection,
                                              ["index", "SampleData/faq_questions.txt", "--reembed", "--threads", "1"])
                #expect(index.exitCode == 0, "\(redirection): \(index)")
                #expect(index.stdoutLines.last?.hasPrefix("embedded 120 with model") == true, "\(index)")
            }
        }
    }

    @Test("a stderr pipe nobody reads does not kill the command")
    func stderrBrokenPipe() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            let output = workspace.captureDirectory.appendingPathComponent("stdout")
            #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
            let stdout = try FileHandle(forWritingTo: output)
            let process = Process()
            process.executableURL = try ExecutableRunner.siamese()
            process.arguments = ["train", "--pairs", "SampleData/faq_pairs.tsv", "--force"] + Workspace.quickTraining
            process.currentDirectoryURL = workspace.directory
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = pipe.fileHandleForWriting
            try process.run()
            process.waitUntilExit()
            try stdout.close()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            let printed = String(decoding: try Data(contentsOf: output), as: UTF8.self)
            #expect(printed.hasSuffix("saved to siamese.sqlite\n"), "\(printed)")
        }
    }
}

/// An input file `index` or `train` must refuse, and the message naming its line.
struct BadTextCase: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var command: String
    var message: String
    var testDescription: String { name }

    init(_ name: String, _ text: String, command: String = "index", _ message: String) {
        self.init(name, bytes: Array(text.utf8), command: command, message)
    }

    init(_ name: String, bytes: [UInt8], command: String = "index", _ message: String) {
        self.name = name
        self.bytes = bytes
        self.command = command
        self.message = message
    }
}

@Suite("input that must not be read as questions")
struct BadTextTests {
    static let cases = [
        BadTextCase("open-quote.csv", "id,question\n1,\"How old are you?\n2,What is your age?\n3,\"Where do you live?\"\n",
                    """
                    open-quote.csv:2: the quoted field opened on this line runs on over line 3, which looks like a row \
                    of its own: is a closing quote missing?
                    """),
        BadTextCase("open-quote-pairs.csv", """
                    id,qid1,qid2,question1,question2,is_duplicate
                    1,1,2,"How old are you?,What is your age?,1
                    2,3,4,Where do you live?,What is your address?,1
                    3,5,6,"Foo","Bar",0

                    """, command: "train", """
                    open-quote-pairs.csv:2: the quoted field opened on this line runs on over line 3, which looks like \
                    a row of its own: is a closing quote missing?
                    """),
        BadTextCase("nul.txt", bytes: Array("How old are you?\nWhat is".utf8) + [0] + Array(" your age?\n".utf8),
                    "nul.txt:2: control character U+0000 (only tab and line breaks are allowed)"),
        BadTextCase("escape.csv", "question\n\"What is \u{1B}[31mred\u{1B}[0m?\"\n",
                    "escape.csv:2: control character U+001B (only tab and line breaks are allowed)"),
        BadTextCase("bell.tsv", "id\tquestion1\tquestion2\n1\tHow old are you?\tWhat is your age?\u{7}\n", command: "train",
                    "bell.tsv:2: control character U+0007 (only tab and line breaks are allowed)"),
        BadTextCase("long.txt", "How old are you?\n" + String(repeating: "a", count: (1 << 20) + 1) + "\n",
                    "long.txt:2: line longer than 1 MiB (is this a text file?)"),
    ]

    @Test("a bad text file is refused with its line, and nothing is written", arguments: cases)
    func refused(_ file: BadTextCase) throws {
        try withWorkspace { workspace in
            try workspace.write(file.name, bytes: file.bytes)
            let arguments = file.command == "train" ? ["train", "--pairs", file.name] + Workspace.quickTraining
                : ["index", file.name]
            expectError(try workspace.run(arguments), file.message)
            #expect(try workspace.snapshot() == .absent)
        }
    }

    @Test("a question spanning lines in a quoted field is still read when no line of it looks like a row")
    func multilineQuestion() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("pairs.csv", """
                id,qid1,qid2,question1,question2,is_duplicate
                1,1,2,"How old
                are you, really?",What is your age?,1

                """)
            let result = try workspace.succeed("index", "pairs.csv", "--threads", "1")
            #expect(result.stdoutLines.first == "rows: 2 new, 0 updated, 0 unchanged; questions: 2 added")
        }
    }

    @Test("--skip-bad skips a line with a NUL byte")
    func skipNUL() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("nul.txt", bytes: Array("How old are you?\nWhat".utf8) + [0] + Array(" is it?\n".utf8))
            let result = try workspace.succeed("index", "nul.txt", "--skip-bad", "--threads", "1")
            #expect(result.stderrLines.first == "skipped: nul.txt:2: control character U+0000 (only tab and line breaks are allowed)")
            #expect(result.stdoutLines.first == "rows: 1 new, 0 updated, 0 unchanged, 1 bad skipped; questions: 1 added")
        }
    }

    @Test("endless input is refused: a device, and a pipe without line breaks")
    func endless() throws {
        try withWorkspace { workspace in
            expectError(try workspace.run("index", "/dev/zero"), "/dev/zero: cannot read: not a regular file or a pipe")
            #expect(try workspace.snapshot() == .absent)
            // A pipe is read once, a slice at a time, after the index is opened (a regular file is checked
            // before): its bad line rolls the transaction back.
            try workspace.trainQuickModel()
            let before = try workspace.snapshot()
            let pipe = try ExecutableRunner.run(
                URL(fileURLWithPath: "/bin/sh"),
                ["-c", "yes | tr -d '\\n' | \"$0\" index /dev/stdin", try ExecutableRunner.siamese().path],
                in: workspace.directory, captureDirectory: workspace.captureDirectory, stdin: nil,
                environment: ["SIAMESE_DB": nil], timeout: 60)
            expectError(pipe, "/dev/stdin:1: line longer than 1 MiB (is this a text file?)")
            #expect(try workspace.snapshot() == before)
        }
    }
}

@Suite("version")
struct VersionTests {
    @Test("--version prints the version, the schema and the tokenizer rule on one line")
    func version() throws {
        try withWorkspace { workspace in
            let result = try workspace.succeed("--version")
            #expect(result.stdoutLines.count == 1)
            #expect(result.stdout.hasPrefix("0.1.0 (index schema 0"), "\(result)")
            #expect(result.stdout.hasSuffix(", tokenizer version 2)\n"), "\(result)")
            #expect(result.stderr == "")
        }
    }
}

@Suite("Unicode spellings")
struct UnicodeSpellingTests {
    @Test("NFC and NFD spellings of one question are indexed once; a model of tokenizer version 1 still loads")
    func nfcAndNFD() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("cafe.txt", "Caf\u{E9} cr\u{E8}me?\nCafe\u{301} cre\u{300}me?\n")
            let index = try workspace.succeed("index", "cafe.txt", "--threads", "1")
            #expect(index.stdoutLines.first == "rows: 2 new, 0 updated, 0 unchanged; questions: 1 added")
            let again = try workspace.succeed("index", "cafe.txt", "--threads", "1")
            #expect(again.stdoutLines.first == "rows: 0 new, 0 updated, 2 unchanged; questions: 0 added")
            // What a database written before version 2 records: the rule without NFC, still applied to its model.
            try #require(SQLiteShell.isAvailable)
            let before = try workspace.succeed("compare", "How old are you?", "What is your age?")
            try SQLiteShell.run("UPDATE model SET config = json_set(config, '$.tokenizerVersion', 1)", in: workspace)
            let after = try workspace.succeed("compare", "How old are you?", "What is your age?")
            #expect(after.stdout == before.stdout)
        }
    }
}

@Suite("query - streams")
struct StreamingQueryTests {
    @Test("answers come as stdin delivers questions, in order across blocks, and an endless line is refused")
    func streaming() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()

            // One question in, its answer out, while stdin stays open.
            let input = Pipe(), output = Pipe()
            let process = Process()
            process.executableURL = try ExecutableRunner.siamese()
            process.arguments = ["query", "-", "-k", "1"]
            process.currentDirectoryURL = workspace.directory
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
            try input.fileHandleForWriting.write(contentsOf: Data("How old are you?\n".utf8))
            var received = Data()
            while !String(decoding: received, as: UTF8.self).contains("  1  ") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                received += chunk
            }
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            watchdog.cancel()
            #expect(String(decoding: received, as: UTF8.self).hasPrefix("# How old are you?\n  1  "))
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)

            // More questions than one block holds: every answer, in input order.
            let questions = (0..<600).map { "How old are you, question \($0)?" }
            let many = try workspace.succeed("query", "-", "-k", "1", "--json",
                                             stdin: questions.joined(separator: "\n") + "\n")
            #expect(many.stdoutLines.count == 600)
            let queries = try many.stdoutLines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["query"] as? String
            }
            #expect(queries == questions)

            let endless = try ExecutableRunner.run(
                URL(fileURLWithPath: "/bin/sh"),
                ["-c", "yes | tr -d '\\n' | \"$0\" query -", try ExecutableRunner.siamese().path],
                in: workspace.directory, captureDirectory: workspace.captureDirectory, stdin: nil,
                environment: ["SIAMESE_DB": nil], timeout: 60)
            expectError(endless, "stdin:1: line longer than 1 MiB")
        }
    }
}

@Suite("database paths that are not files")
struct DatabasePathTests {
    @Test("a FIFO or a device as --db is refused at once instead of blocking or being written to")
    func notARegularFile() throws {
        try withWorkspace { workspace in
            #expect(mkfifo(workspace.url("pipe.sqlite").path, 0o600) == 0)
            expectError(try workspace.run("info", "--db", "pipe.sqlite"), "cannot open pipe.sqlite: it is not a regular file")
            try workspace.copySampleData()
            expectError(try workspace.run(["train", "--pairs", "SampleData/faq_pairs.tsv", "--db", "/dev/null"]
                                          + Workspace.quickTraining),
                        "cannot open /dev/null: it is not a regular file")
        }
    }
}
