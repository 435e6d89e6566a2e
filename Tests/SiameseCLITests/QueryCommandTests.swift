import Foundation
import Testing

@Suite("siamese query and compare")
struct QueryCommandTests {
    /// The course notebook's questions and their partners in SampleData/faq_questions.txt.
    static let notebookPairs = [("How old are you?", "What is your age?"),
                                ("How much is the fish?", "What does the fish cost?"),
                                ("Do you like this course?", "Are you happy with this course?")]

    @Test("a model trained 30 epochs ranks each notebook question's partner first, as a duplicate")
    func notebookQuestions() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            try workspace.succeed("train", "--pairs", "SampleData/faq_pairs.tsv", "--epochs", "30", "--threads", "1")
            try workspace.succeed("index", "SampleData/faq_questions.txt", "--threads", "1")

            let query = try workspace.succeed("query", "How old are you?")
            #expect(query.stderr == "")
            let matches = matchLines(query.stdoutLines)
            #expect(matches.count == 10)
            expectRanked(matches)
            #expect(matches.first?.text == "What is your age?")
            #expect(matches.first?.isDuplicate == true)

            let questions = Self.notebookPairs.map(\.0)
            let batch = try workspace.succeed("query", "-", "-k", "2", stdin: questions.joined(separator: "\n"))
            let blocks = batch.stdoutLines.split(separator: "", omittingEmptySubsequences: false)
            try #require(blocks.count == 3, "\(batch)")
            for ((question, partner), block) in zip(Self.notebookPairs, blocks) {
                #expect(block.first == "# \(question)")
                let answers = matchLines(block.dropFirst())
                #expect(answers.count == 2)
                #expect(answers.first?.text == partner)
                #expect(answers.first?.isDuplicate == true)
            }

            for (question, partner) in Self.notebookPairs {
                let compare = try workspace.succeed("compare", question, partner)
                #expect(compare.stdout.wholeMatch(of: #/0\.\d{4}  duplicate \(threshold 0\.\d{4}\)\n/#) != nil,
                        "\(compare)")
            }
            let different = try workspace.succeed("compare", "Do you like this course?", "Do you speak German?")
            #expect(different.stdout.wholeMatch(of: #/-?\d\.\d{4}  not a duplicate \(threshold 0\.\d{4}\)\n/#) != nil,
                    "\(different)")
        }
    }

    @Test("--min-score keeps the matches at or above it, in the same order")
    func minScore() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            // Full-precision scores from the JSON: the text shows them rounded.
            func scores(_ extra: String...) throws -> [(text: String, score: String)] {
                let result = try workspace.succeed(["query", "How old are you?", "-k", "20", "--json"] + extra)
                let matches = try #require(try jsonObject(result.stdout)["matches"] as? [[String: Any]])
                return matches.map { ($0["text"] as? String ?? "", "\($0["score"] ?? "")") }
            }
            let all = try scores()
            try #require(all.count == 20)
            let floor = all[6].score
            let kept = try scores("--min-score", floor)
            #expect(kept.map(\.text) == all.filter { Float($0.score)! >= Float(floor)! }.map(\.text))
            #expect(kept.count >= 7 && kept.count < 20, "\(kept)")
            let none = try workspace.succeed("query", "How old are you?", "--min-score", "1", "--json")
            #expect(none.stdout.contains("\"matches\":[]"), "\(none)")
            let bad = try workspace.run("query", "How old are you?", "--min-score", "1.5")
            #expect(bad.exitCode == 64)
            #expect(bad.stderr.contains("--min-score must be a cosine from -1 to 1, got 1.5"))
        }
    }

    @Test("--exit-status: 1 when a duplicate is found, 0 when none, 2 on an error")
    func exitStatus() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            // A stored question is its own duplicate; a question of unknown words is never one.
            #expect(try workspace.run("query", "What is your age?", "--exit-status").exitCode == 1)
            #expect(try workspace.run("query", "xqzv wplk", "--exit-status").exitCode == 0)
            #expect(try workspace.run("query", "xqzv wplk").exitCode == 0)
            #expect(try workspace.run("query", "What is your age?").exitCode == 0, "without the flag: 0")
            let stream = try workspace.run("query", "-", "-k", "1", "--exit-status", stdin: "xqzv wplk\nWhat is your age?\n")
            #expect(stream.exitCode == 1)
            #expect(stream.stdout.contains("What is your age?"), "the answers are printed first: \(stream)")
            #expect(try workspace.run("compare", "What is your age?", "What is your age?", "--exit-status").exitCode == 1)
            #expect(try workspace.run("compare", "xqzv wplk", "What is your age?", "--exit-status").exitCode == 0)
            #expect(try workspace.run("compare", "What is your age?", "xqzv wplk", "--json", "--exit-status").exitCode == 0)
            let missing = try workspace.run("query", "What is your age?", "--db", "nope.sqlite", "--exit-status")
            #expect(missing.exitCode == 2)
            #expect(missing.stderr.hasPrefix("siamese: error: "))
            #expect(try workspace.run("query", "What is your age?", "--db", "nope.sqlite").exitCode == 1)
        }
    }

    @Test("- answers each line of stdin in order, skipping blank lines, one block per question")
    func questionsFromStdin() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let questions = ["How old are you?", "How much is the fish?", "How old are you?"]
            let result = try workspace.succeed("query", "-", "-k", "2",
                                               stdin: "How old are you?\n\n   \nHow much is the fish?\nHow old are you?\n")
            #expect(result.stderr == "")
            let lines = result.stdoutLines
            // Three blocks: "# question", two answers; a blank line between blocks, none at the end.
            try #require(lines.count == 3 * 3 + 2, "\(result)")
            #expect(lines[3] == "" && lines[7] == "")
            let blocks = lines.split(separator: "", omittingEmptySubsequences: false).map(Array.init)
            try #require(blocks.count == 3)
            for (question, block) in zip(questions, blocks) {
                #expect(block.first == "# \(question)")
                expectRanked(matchLines(block.dropFirst()))
                // The same answers as asking the question alone.
                let alone = try workspace.succeed("query", question, "-k", "2")
                #expect(Array(block.dropFirst()) == alone.stdoutLines)
            }
        }
    }

    @Test("- stops at a line with a NUL byte or invalid UTF-8, naming the line, after answering the lines before it")
    func badStdinLine() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            var input = Data("How old are you?\nHow much is\u{0} the fish?\n".utf8)
            let nul = try workspace.run(["query", "-", "-k", "1"], stdin: input)
            #expect(nul.exitCode == 1, "\(nul)")
            #expect(nul.stderrLines.last == "siamese: error: stdin:2: control character U+0000 (only tab and line breaks are allowed)")
            #expect(nul.stdoutLines.first == "# How old are you?", "\(nul)")
            input = Data("How old are you?\n".utf8) + Data([0x48, 0x69, 0xFF, 0x0A])
            let invalid = try workspace.run(["query", "-", "-k", "1"], stdin: input)
            #expect(invalid.exitCode == 1)
            #expect(invalid.stderrLines.last == "siamese: error: stdin:2: the line is not valid UTF-8")
        }
    }

    @Test("- with no lines on stdin prints nothing")
    func emptyStdin() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let result = try workspace.succeed("query", "-", stdin: "\n  \n")
            #expect(result.stdout == "" && result.stderr == "")
        }
    }

    @Test("--json prints one object per question with the documented keys; JSON Lines with -")
    func json() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let single = try workspace.succeed("query", "How old are you?", "-k", "3", "--json")
            try #require(single.stdoutLines.count == 1, "\(single)")
            let answer = try jsonObject(single.stdout)
            #expect(keys(answer) == ["query", "model", "threshold", "words", "unknown_words", "matches"])
            #expect(answer["query"] as? String == "How old are you?")
            #expect(answer["model"] as? String == "default")
            let threshold = try #require(double(answer["threshold"]))
            let matches = try #require(answer["matches"] as? [[String: Any]])
            #expect(matches.map { int($0["rank"]) } == [1, 2, 3])
            var previous = Double.infinity
            for match in matches {
                // Questions of a .txt file have no external id: the key is left out.
                #expect(keys(match) == ["rank", "id", "score", "duplicate", "text"])
                let score = try #require(double(match["score"]))
                #expect(score >= -1 - 1e-5 && score <= 1 + 1e-5 && score <= previous)
                #expect(bool(match["duplicate"]) == (score >= threshold))
                #expect(int(match["id"]) != nil)
                previous = score
            }

            // The text answer shows the same matches, rounded.
            let text = matchLines(try workspace.succeed("query", "How old are you?", "-k", "3").stdoutLines)
            #expect(text.map(\.text) == matches.map { $0["text"] as? String ?? "" })
            for (line, match) in zip(text, matches) {
                #expect(abs(line.score - (double(match["score"]) ?? 9)) <= 0.00005 + 1e-6)
            }

            let lines = try workspace.succeed("query", "-", "-k", "1", "--json",
                                              stdin: "How much is the fish?\nHow old are you?\n")
            let objects = try lines.stdoutLines.map { try jsonObject($0) }
            #expect(objects.map { $0["query"] as? String } == ["How much is the fish?", "How old are you?"])
            #expect(objects.map { ($0["matches"] as? [Any])?.count } == [1, 1])
        }
    }

    @Test("-k larger than the index shows every stored question once")
    func kLargerThanIndex() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let result = try workspace.succeed("query", "How old are you?", "-k", "500")
            let matches = matchLines(result.stdoutLines)
            #expect(matches.count == 120)
            expectRanked(matches)
            let stored = try Workspace.sampleLines("faq_questions.txt")
            #expect(Set(matches.map(\.text)) == Set(stored))
        }
    }

    @Test("compare prints a cosine in [-1, 1] and whether it reaches the threshold; a question matches itself")
    func compare() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let result = try workspace.succeed("compare", "How old are you?", "What is your age?")
            #expect(result.stderr == "")
            let match = try #require(result.stdout.wholeMatch(
                of: #/(-?\d\.\d{4})  (duplicate|not a duplicate) \(threshold (-?\d\.\d{4})\)\n/#), "\(result)")
            let score = try #require(Double(match.output.1))
            let threshold = try #require(Double(match.output.3))
            #expect((-1...1).contains(score))
            #expect((match.output.2 == "duplicate") == (score >= threshold))

            let same = try workspace.succeed("compare", "How old are you?", "how OLD are you")
            #expect(same.stdout.hasPrefix("1.0000  duplicate (threshold "), "\(same)")

            let json = try jsonObject(try workspace.succeed("compare", "How old are you?", "What is your age?",
                                                            "--json").stdout)
            #expect(keys(json) == ["similarity", "threshold", "duplicate", "model", "words", "unknown_words"])
            #expect(json["model"] as? String == "default")
            let similarity = try #require(double(json["similarity"]))
            #expect(abs(similarity - score) <= 0.00005 + 1e-6)
            #expect(bool(json["duplicate"]) == (match.output.2 == "duplicate"))
        }
    }

    @Test("--model picks a model; an unknown name lists the ones there are")
    func modelOption() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel("--model", "first")
            try workspace.trainQuickModel("--model", "second", "--seed", "2")
            try workspace.succeed("index", "SampleData/faq_questions.txt", "--model", "first")

            let first = try workspace.succeed("query", "How old are you?", "--model", "first", "--json", "-k", "1")
            #expect(try jsonObject(first.stdout)["model"] as? String == "first")
            // The most recently trained model is the default, and it has no vectors yet.
            expectError(try workspace.run("query", "How old are you?"), """
                no questions are indexed in siamese.sqlite for model "second"; add some with `siamese index --db siamese.sqlite --model second FILE`
                """)
            expectError(try workspace.run("query", "How old are you?", "--model", "third"),
                        #"no model named "third" in siamese.sqlite (it has "first", "second")"#)
            expectError(try workspace.run("compare", "a", "b", "--model", "third"),
                        #"no model named "third" in siamese.sqlite (it has "first", "second")"#)
        }
    }

    @Test("--format tsv and csv: a header, then one row per (question, match), stdin line numbers with -")
    func tableFormats() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let tsv = try workspace.succeed(["query", "-", "-k", "2", "--format", "tsv"],
                                            stdin: "How old are you?\n\nHow much is the fish?\n")
            let lines = tsv.stdoutLines
            #expect(lines.first == "line\tquestion\trank\tscore\tduplicate\tid\texternal_id\tmatch")
            try #require(lines.count == 5, "\(tsv)")
            let rows = lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            #expect(rows.map { $0[0] } == ["1", "1", "3", "3"])
            #expect(rows.map { $0[2] } == ["1", "2", "1", "2"])
            #expect(rows.allSatisfy { $0.count == 8 && ["0", "1"].contains($0[4]) && Int64($0[5]) != nil })
            // The same answers as the text output.
            let text = try workspace.succeed("query", "How old are you?", "-k", "1")
            #expect(text.stdout.contains(rows[0][3]) && text.stdout.contains(rows[0][7]))

            let csv = try workspace.succeed("query", "Hello, how old are you?", "-k", "1", "--format", "csv")
            #expect(csv.stdoutLines.first == "line,question,rank,score,duplicate,id,external_id,match")
            #expect(csv.stdoutLines.last?.hasPrefix(",\"Hello, how old are you?\",1,") == true, "\(csv)")
            expectUsageError(try workspace.run("query", "x", "--json", "--format", "tsv"), command: "query",
                             "--json prints JSON Lines: it cannot be combined with --format tsv")
        }
    }
}
