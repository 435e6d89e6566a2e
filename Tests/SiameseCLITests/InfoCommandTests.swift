import Foundation
import Testing

@Suite("siamese info")
struct InfoCommandTests {
    @Test("lists the index, the question count, each model and its learning curve")
    func text() throws {
        try withWorkspace { workspace in
            let training = try workspace.trainQuickModel()
            try workspace.succeed("index", "SampleData/faq_questions.txt")
            let threshold = try #require(training.stdoutLines.dropFirst().first?
                .firstMatch(of: #/threshold (-?\d\.\d{4})/#)?.output.1)

            let result = try workspace.succeed("info")
            #expect(result.stderr == "")
            let lines = result.stdoutLines
            try #require(lines.count == 14, "\(result)")
            #expect(lines[0] == "index      siamese.sqlite")
            #expect(lines[1].wholeMatch(of: #/schema     \d{4}/#) != nil)
            #expect(lines[2].wholeMatch(of: #/size       \d+\.\d MiB/#) != nil)
            #expect(lines[3] == "questions  120")
            #expect(lines[4] == "")
            #expect(lines[5] == "model \"default\": d = 32, vocabulary 558, threshold \(threshold), 120 vectors")
            #expect(lines[6] == "  encoder: 2 members, each an LSTM 2 × 8 (both directions), up to 50000 sub-words (3–5-grams), 64 tokens at most; "
                    + "trained with margin 0.25, non-duplicate weight 1, input dropout 0.25, implied pairs 1, batch 256, "
                    + "learning rate 0.01, seed 1")
            #expect(lines[7].wholeMatch(of: #/  threshold rule: best accuracy \d\.\d{3} on the training pairs/#) != nil,
                    "\(lines[7])")
            let dedup = try #require(training.stdoutLines.first { $0.hasPrefix("dedup threshold ") }?
                .firstMatch(of: #/dedup threshold (0\.\d{4}) \(best pair F1 (\d\.\d{3}) on 336 training questions, ([^)]+)\)/#))
            // The same threshold, rule and keyword weight as `train` printed.
            let shown = try #require(lines[8].wholeMatch(of: #/  dedup threshold (0\.\d{4}): best pair F1 (\d\.\d{3}) \(precision \d\.\d{3}, recall \d\.\d{3}\), (average-link|single-link(?:, keyword weight 0\.[1-5]0)?), on the training pairs' 336 questions; largest cluster \d+ \(true 5\)/#),
                                     "\(lines[8])")
            #expect(shown.output.1 == dedup.output.1 && shown.output.2 == dedup.output.2 && shown.output.3 == dedup.output.3)
            #expect(lines[9] == "  kept epoch 3: the last (no validation pairs)")
            #expect(lines[10] == "  epoch      loss  dev ROC-AUC   pairs/s  seconds")
            let trainedLosses = training.stderrLines.compactMap { $0.firstMatch(of: #/^epoch \d+: loss (\d+\.\d{4})/#) }
                .map { String($0.output.1) }
            for (epoch, line) in lines[11...].enumerated() {
                let row = try #require(line.wholeMatch(of: #/ +(\d+) +(\d+\.\d{4}) +- +(\d+) +(\d+\.\d)/#), "\(line)")
                #expect(Int(row.output.1) == epoch + 1)
                #expect(String(row.output.2) == trainedLosses[epoch])
            }
        }
    }

    @Test("a configuration this build cannot read: info still describes the index, query stops with the reason")
    func unreadableConfiguration() throws {
        try #require(SQLiteShell.isAvailable)
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try SQLiteShell.run("UPDATE model SET config = json_set(config, '$.margin', 'wide')", in: workspace)
            let info = try workspace.succeed("info")
            #expect(info.stdoutLines[6] == "  configuration: not readable by this build", "\(info)")
            #expect(try jsonObject(try workspace.succeed("info", "--json").stdout)["models"]
                .flatMap { ($0 as? [[String: Any]])?.first?["config"] } is NSNull)
            let query = try workspace.run("query", "How old are you?")
            #expect(query.exitCode == 1 && query.stderr.contains("configuration"), "\(query)")
        }
    }

    @Test("a model whose vectors are missing is named, with the command that embeds them")
    func missingVectors() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            #expect(try !workspace.succeed("info").stdout.contains("have no vector"))
            // A model trained now gets vectors for the stored questions; those indexed later with another don't.
            try workspace.succeed(["train", "--pairs", "SampleData/faq_pairs.tsv", "--model", "second model"]
                                  + Workspace.quickTraining)
            #expect(try !workspace.succeed("info").stdout.contains("have no vector"))
            try workspace.write("more.txt", "Where do you live, my friend?\nCan I bring my dog along?\n")
            try workspace.succeed("index", "more.txt", "--model", "default")
            let info = try workspace.succeed("info").stdoutLines
            let remedy = "  2 of 122 questions have no vector of this model: "
                + "run `siamese index --db siamese.sqlite --model 'second model'` to embed them"
            #expect(info.contains(remedy), "\(info)")
            try workspace.succeed("index", "--db", "siamese.sqlite", "--model", "second model")
            #expect(try !workspace.succeed("info").stdout.contains("have no vector"))
        }
    }

    @Test("--json holds the documented keys and the same facts")
    func json() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let result = try workspace.succeed("info", "--json")
            try #require(result.stdoutLines.count == 1, "\(result)")
            let info = try jsonObject(result.stdout)
            #expect(keys(info) == ["database", "schema", "bytes", "questions", "models", "unfinished_training_runs"])
            #expect((info["unfinished_training_runs"] as? [Any])?.isEmpty == true)
            #expect(info["database"] as? String == "siamese.sqlite")
            #expect(int(info["questions"]) == 120)
            #expect((int(info["bytes"]) ?? 0) > 0)
            let models = try #require(info["models"] as? [[String: Any]])
            try #require(models.count == 1)
            let model = models[0]
            #expect(keys(model) == ["name", "default", "created_at", "dimension", "vocabulary", "threshold", "vectors",
                                    "calibration", "config", "epochs"])
            let config = try #require(model["config"] as? [String: Any])
            #expect(config["bidirectional"] as? Bool == true)
            #expect(int(config["members"]) == 2)
            #expect(int(config["dimension"]) == 32 && int(config["epochs"]) == 3 && int(config["maxSubwords"]) == 50000)
            let calibration = try #require(model["calibration"] as? [String: Any])
            #expect(int(calibration["kept_epoch"]) == 3)
            #expect(calibration["pairs"] as? String == "training")
            #expect(model["name"] as? String == "default")
            // ISO 8601 in UTC, as scripts expect (Foundation's default would print seconds since 2001).
            let created = try #require(model["created_at"] as? String, "\(model)")
            #expect(created.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/#) != nil, "\(created)")
            #expect(int(model["dimension"]) == 32)
            #expect(int(model["vocabulary"]) == 558)
            #expect(int(model["vectors"]) == 120)
            let epochs = try #require(model["epochs"] as? [[String: Any]])
            #expect(epochs.map { int($0["epoch"]) } == [1, 2, 3])
            for epoch in epochs {
                // No --dev: no ROC-AUC, and the key is left out.
                #expect(keys(epoch) == ["epoch", "loss", "pairs_per_second", "seconds"])
                #expect((double(epoch["loss"]) ?? -1) > 0)
            }
        }
    }
}

@Suite("siamese info --check")
struct InfoCheckTests {
    @Test("a healthy index checks ok; a question added behind our back is three problems, each with its fix")
    func check() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let ok = try workspace.succeed("info", "--check")
            #expect(ok.stdoutLines.last == "integrity: ok", "\(ok)")
            let okJSON = try jsonObject(try workspace.succeed("info", "--check", "--json").stdout)
            #expect((okJSON["problems"] as? [Any])?.isEmpty == true)
            #expect(try jsonObject(try workspace.succeed("info", "--json").stdout)["problems"] == nil)

            try #require(SQLiteShell.isAvailable, "the sqlite3 shell is needed (scripts/setup.sh installs it)")
            try SQLiteShell.run("""
                INSERT INTO question (text, normalized, created_at) VALUES ('Who am I?', 'who am i', '2026-01-01 00:00:00.000')
                """, in: workspace)
            let bad = try workspace.run("info", "--check")
            #expect(bad.exitCode == 1, "\(bad)")
            let lines = bad.stdoutLines
            #expect(lines.contains("integrity: 3 problems"), "\(bad)")
            #expect(lines.contains("  the keyword index holds 120 questions, the index 121; rebuild it with "
                                   + "`sqlite3 siamese.sqlite \"INSERT INTO question_fts(question_fts) VALUES('rebuild')\"`"))
            #expect(lines.contains { $0.hasPrefix("  1 questions are named by no input row") })
            #expect(lines.contains("  1 of 121 questions have no vector of model \"default\"; "
                                   + "embed them with `siamese index --db siamese.sqlite --model default`"))
            let json = try workspace.run("info", "--check", "--json")
            #expect(json.exitCode == 1)
            #expect((try jsonObject(json.stdout)["problems"] as? [[String: Any]])?.count == 3)
            // The remedies work: rebuild the keyword index, remove the stray question; then all is well.
            try SQLiteShell.run("INSERT INTO question_fts(question_fts) VALUES('rebuild')", in: workspace)
            _ = try workspace.succeed("remove", "--id", "121")
            #expect(try workspace.succeed("info", "--check").stdoutLines.last == "integrity: ok")
        }
    }
}
