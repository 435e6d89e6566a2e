import Foundation
import Testing

@Suite("siamese train")
struct TrainCommandTests {
    @Test("prints the summary on stdout and one line per saved epoch on stderr")
    func summary() throws {
        try withWorkspace { workspace in
            let result = try workspace.trainQuickModel()
            let lines = result.stdoutLines
            try #require(lines.count == 4, "\(result)")
            let loss = try #require(number(in: lines[0],
                                           #/trained model "default": 3 epochs on 400 pairs \(\+106 implied\) and 150 non-duplicates, loss (\d+\.\d{4})/#))
            #expect(loss > 0 && loss < 1)
            let calibration = try #require(lines[1].wholeMatch(
                of: #/duplicate threshold (-?\d\.\d{4}) \(best accuracy (\d\.\d{3}) on the training pairs\)/#))
            let threshold = try #require(Double(calibration.output.1))
            let accuracy = try #require(Double(calibration.output.2))
            #expect((-1...1).contains(threshold))
            #expect(accuracy > 0.5 && accuracy <= 1)
            // The dedup threshold, on the training questions here (no validation pairs): one of the grid's cuts, with
            // the rule (and keyword weight) calibrated with it.
            let dedup = try #require(lines[2].wholeMatch(
                of: #/dedup threshold (0\.\d{2})00 \(best pair F1 (\d\.\d{3}) on 336 training questions, (?:average-link|single-link(?:, keyword weight 0\.[1-5]0)?)\)/#),
                "\(lines[2])")
            #expect((0.5...0.99).contains(try #require(Double(dedup.output.1))))
            #expect((0...1).contains(try #require(Double(dedup.output.2))))
            #expect(lines[3] == "saved to siamese.sqlite")

            // stderr: the plan, then progress lines, and one "epoch N: …  (saved)" line per epoch.
            let notes = result.stderrLines
            // SampleData's questions all link up: no question-disjoint validation slice, said so.
            #expect(notes.first?.hasPrefix("validation: none (SampleData/faq_pairs.tsv has no question-disjoint 10%") == true)
            #expect(notes.dropFirst().first == "training \"default\" on 400 duplicate pairs (+106 implied by the labels), vocabulary 558, 4875 sub-words, d = 32 (2 members of 16), 3 epochs")
            let epochLines = notes.filter { $0.hasPrefix("epoch ") && $0.hasSuffix("(saved)") }
            try #require(epochLines.count == 3, "\(result)")
            var losses: [Double] = []
            for (index, line) in epochLines.enumerated() {
                let match = try #require(line.wholeMatch(
                    of: #/epoch (\d+): loss (\d+\.\d{4}), (\d+) pairs/s, (\d+\.\d) s  \(saved\)/#), "\(line)")
                #expect(Int(match.output.1) == index + 1)
                losses.append(try #require(Double(match.output.2)))
            }
            #expect(losses.last == loss)
            #expect(losses[2] < losses[0], "the loss falls: \(losses)")
            #expect(FileManager.default.fileExists(atPath: workspace.url("siamese.sqlite").path))
        }
    }

    @Test("the README's lookup configuration (four members at twice the width, non-duplicate weight 0.5) trains and searches")
    func lookupConfiguration() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let result = try workspace.succeed("train", "--pairs", "SampleData/faq_pairs.tsv", "--members", "4",
                                               "--dimension", "256", "--non-duplicate-weight", "0.5", "--epochs", "2",
                                               "--threads", "1", "--seed", "1")
            #expect(result.stderrLines.contains { $0.hasSuffix("d = 256 (4 members of 64), 2 epochs") }, "\(result)")
            let models = try #require(try jsonObject(workspace.succeed("info", "--json").stdout)["models"] as? [[String: Any]])
            let config = try #require(models.first?["config"] as? [String: Any])
            #expect(int(config["members"]) == 4 && int(config["dimension"]) == 256)
            #expect(config["nonDuplicateWeight"] as? Double == 0.5)
            try workspace.succeed("index", "SampleData/faq_questions.txt", "--threads", "1")
            // A stored question finds itself first, through the 256-value compact scan and the exact re-score.
            let hits = try workspace.succeed("query", "-k", "3", "--json", "How do I delete my account?").stdoutLines
            try #require(hits.count == 1, "\(hits)")
            let matches = try #require(try jsonObject(hits[0])["matches"] as? [[String: Any]])
            try #require(matches.count == 3, "\(matches)")
            #expect(matches[0]["text"] as? String == "How do I delete my account?")
            let scores = matches.compactMap { $0["score"] as? Double }
            #expect(scores.count == 3 && scores[0] > 0.9999 && scores[0] < 1.0001)
            #expect(scores == scores.sorted(by: >))
        }
    }

    @Test("the same seed, data and threads give the same model")
    func reproducible() throws {
        try withWorkspace { workspace in
            let first = try workspace.trainQuickModel("--db", "one.sqlite")
            let second = try workspace.trainQuickModel("--db", "two.sqlite")
            #expect(first.stdoutLines.dropLast() == second.stdoutLines.dropLast())
            #expect(second.stdoutLines.last == "saved to two.sqlite")
        }
    }

    @Test("--json prints the documented summary")
    func json() throws {
        try withWorkspace { workspace in
            let result = try workspace.trainQuickModel("--json")
            try #require(result.stdoutLines.count == 1, "\(result)")
            let summary = try jsonObject(result.stdout)
            #expect(keys(summary) == ["model", "database", "pairs", "implied_pairs", "vocabulary", "epochs", "loss", "threshold",
                                      "calibrated_on", "questions_to_embed", "non_duplicate_pairs", "kept_epoch",
                                      "validation_roc_auc", "calibration"])
            #expect(int(summary["kept_epoch"]) == 3)
            #expect(int(summary["non_duplicate_pairs"]) == 150)
            let calibration = try #require(summary["calibration"] as? [String: Any])
            #expect(calibration["rule"] as? String == "best accuracy")
            #expect(calibration["pairs"] as? String == "training")
            #expect(summary["model"] as? String == "default")
            #expect(summary["database"] as? String == "siamese.sqlite")
            #expect(int(summary["pairs"]) == 400)
            #expect(int(summary["implied_pairs"]) == 106)
            #expect(int(summary["vocabulary"]) == 558)
            #expect(int(summary["epochs"]) == 3)
            #expect(summary["calibrated_on"] as? String == "training")
            #expect(int(summary["questions_to_embed"]) == 0)
            let loss = try #require(double(summary["loss"]))
            #expect(loss > 0 && loss < 1)
            let threshold = try #require(double(summary["threshold"]))
            #expect((-1...1).contains(threshold))
        }
    }

    @Test("--dev logs the ROC-AUC of every epoch, keeps the best epoch and calibrates the threshold on the dev pairs")
    func devPairs() throws {
        try withWorkspace { workspace in
            let result = try workspace.trainQuickModel("--dev", "SampleData/faq_pairs.tsv")
            let epochLines = result.stderrLines.filter { $0.hasPrefix("epoch ") && !$0.contains("batch") }
            try #require(epochLines.count == 3, "\(result)")
            var aucs: [Double] = [], saved: [Bool] = []
            for line in epochLines {
                let match = try #require(line.firstMatch(of: #/  dev ROC-AUC (\d\.\d{4})  \((saved|not better)\)$/#), "\(line)")
                aucs.append(try #require(Double(match.output.1)))
                saved.append(match.output.2 == "saved")
            }
            // An epoch is saved exactly when it beats every earlier one.
            #expect(saved[0])
            for i in 1..<3 { #expect(saved[i] == (aucs[i] > aucs[..<i].max()!), "\(aucs) \(saved)") }
            let best = aucs.max()!, kept = aucs.firstIndex(of: best)! + 1
            let lines = result.stdoutLines
            try #require(lines.count == 5, "\(result)")
            #expect(lines[0].wholeMatch(of: #/trained model "default": 3 epochs on 400 pairs \(\+106 implied\) and 150 non-duplicates, loss \d\.\d{4}/#) != nil)
            // Calibrated on the dev pairs' 336 distinct questions.
            #expect(lines[3].wholeMatch(of: #/dedup threshold 0\.\d{4} \(best pair F1 \d\.\d{3} on 336 dev questions, (?:average-link|single-link(?:, keyword weight 0\.[1-5]0)?)\)/#)
                    != nil, "\(lines[3])")
            #expect(lines[1] == "kept epoch \(kept) of 3: best validation ROC-AUC " + String(format: "%.4f", best))
            #expect(lines[2].wholeMatch(of:
                #/duplicate threshold -?\d\.\d{4} \(best accuracy \d\.\d{3} on 550 dev pairs \(SampleData/faq_pairs.tsv\)\)/#)
                != nil, "\(lines[2])")
            let info = try workspace.succeed("info").stdoutLines
            #expect(info.contains("  kept epoch \(kept): best validation ROC-AUC " + String(format: "%.4f", best)), "\(info)")
            #expect(info.contains { $0.hasPrefix("  threshold rule: best accuracy ") && $0.hasSuffix(" on 550 dev pairs (SampleData/faq_pairs.tsv)") },
                    "\(info)")
        }
    }

    @Test("without --dev a question-disjoint slice of the pairs is held out for validation, seeded")
    func heldOutValidation() throws {
        try withWorkspace { workspace in
            // 300 small clusters of three questions: a duplicate pair and a non-duplicate.
            var rows = ["question1\tquestion2\tis_duplicate"]
            let words = ["price", "refund", "shipping", "password", "account", "invoice", "delivery", "order", "card", "email"]
            for k in 0..<300 {
                let a = words[k % 10], b = words[(k / 10) % 10]
                rows.append("How do I change my \(a) \(b) \(k)?\tCan I update the \(a) \(b) \(k)?\t1")
                rows.append("How do I change my \(a) \(b) \(k)?\tWhere is my \(b) number \(k) \(a)?\t0")
            }
            try workspace.write("pairs.tsv", rows.joined(separator: "\n") + "\n")
            let result = try workspace.succeed("train", "--pairs", "pairs.tsv", "--epochs", "2", "--dimension", "16",
                                               "--threads", "1", "--json")
            #expect(result.stderrLines.first
                    == "validation: 60 pairs of pairs.tsv held out (10%, whole question clusters, seed 1)", "\(result)")
            let summary = try jsonObject(result.stdout)
            #expect(int(summary["pairs"]) == 270)
            let calibration = try #require(summary["calibration"] as? [String: Any])
            #expect(calibration["pairs"] as? String == "held-out")
            #expect(calibration["source"] as? String == "10% of pairs.tsv, seed 1")
            #expect(int(calibration["pair_count"]) == 60)
            #expect(calibration["selected_by"] as? String == "ROC-AUC")
            #expect(double(summary["validation_roc_auc"]) == double(calibration["selection_value"]))
            let other = try workspace.succeed("train", "--pairs", "pairs.tsv", "--epochs", "1", "--dimension", "16",
                                              "--threads", "1", "--validation-fraction", "0", "--db", "b.sqlite", "--json")
            #expect(int(try jsonObject(other.stdout)["pairs"]) == 300)
            #expect(!other.stderr.contains("validation:"))
        }
    }

    @Test("pairs without non-duplicates train a model with no threshold; nothing is marked duplicate")
    func noThreshold() throws {
        try withWorkspace { workspace in
            // Only the duplicate rows, in the two-column layout (no label: every row is a duplicate).
            let rows = try Workspace.sampleLines("faq_pairs.tsv").dropFirst()
                .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
                .filter { $0[5] == "1" }
                .map { "\($0[3])\t\($0[4])" }
            try workspace.write("duplicates.tsv", "question1\tquestion2\n" + rows.joined(separator: "\n") + "\n")
            let result = try workspace.succeed(["train", "--pairs", "duplicates.tsv"] + Workspace.quickTraining)
            #expect(result.stdoutLines.dropFirst() == [
                "no duplicate threshold: give labelled pairs (is_duplicate 0 and 1) to calibrate one",
                "saved to siamese.sqlite",
            ])

            let compare = try workspace.succeed("compare", "How old are you?", "What is your age?")
            #expect(compare.stdout.wholeMatch(of: #/-?\d\.\d{4}  \(model "default" has no duplicate threshold\)\n/#)
                != nil, "\(compare)")

            try workspace.copySampleData()
            try workspace.succeed("index", "SampleData/faq_questions.txt")
            let query = try workspace.succeed("query", "How old are you?", "-k", "3")
            let matches = matchLines(query.stdoutLines)
            #expect(matches.count == 3)
            #expect(matches.allSatisfy { !$0.isDuplicate })
        }
    }

    @Test("SIAMESE_DB names the default database; --db overrides it")
    func databaseFromEnvironment() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let arguments = ["train", "--pairs", "SampleData/faq_pairs.tsv"] + Workspace.quickTraining
            let fromEnvironment = try workspace.run(arguments, environment: ["SIAMESE_DB": "env.sqlite"])
            #expect(fromEnvironment.exitCode == 0)
            #expect(fromEnvironment.stdoutLines.last == "saved to env.sqlite")
            #expect(try workspace.snapshot("env.sqlite") != .absent)
            #expect(try workspace.snapshot() == .absent)

            let overridden = try workspace.run(arguments + ["--db", "flag.sqlite"],
                                               environment: ["SIAMESE_DB": "env.sqlite"])
            #expect(overridden.stdoutLines.last == "saved to flag.sqlite")

            let info = try workspace.run(["info"], environment: ["SIAMESE_DB": "env.sqlite"])
            #expect(info.stdoutLines.first == "index      env.sqlite")
        }
    }

    @Test("training twice under one name is refused and leaves the model as it was; --force replaces it")
    func trainTwice() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let infoBefore = try contents(workspace)
            let dumpBefore = SQLiteShell.isAvailable ? try SQLiteShell.run(".dump", in: workspace) : ""

            let again = try workspace.run(["train", "--pairs", "SampleData/faq_pairs.tsv", "--epochs", "2"]
                + Workspace.quickTraining.dropFirst(2))
            expectError(again, """
                model "default" already exists in siamese.sqlite; use --force to replace it, \
                or --model to pick another name
                """)
            // Opening the file for writing may rewrite its pages (GRDB makes sure a WAL exists), so compare
            // what it holds, not its bytes.
            #expect(try contents(workspace) == infoBefore)
            if SQLiteShell.isAvailable { #expect(try SQLiteShell.run(".dump", in: workspace) == dumpBefore) }

            let forced = try workspace.succeed(["train", "--pairs", "SampleData/faq_pairs.tsv", "--force",
                                                "--epochs", "2"] + Workspace.quickTraining.dropFirst(2))
            #expect(forced.stdoutLines.first?.hasPrefix("trained model \"default\": 2 epochs on 400 pairs") == true)
            // The stored questions are embedded with the new model before it replaces the old one.
            #expect(forced.stdoutLines.last == "saved to siamese.sqlite with vectors for its 120 stored questions")
            let info = try jsonObject(try workspace.succeed("info", "--json").stdout)
            let models = try #require(info["models"] as? [[String: Any]])
            #expect(models.count == 1)
            #expect((models.first?["epochs"] as? [Any])?.count == 2)
            #expect(int(models.first?["vectors"]) == 120)

            // Another name trains beside it.
            let other = try workspace.succeed(["train", "--pairs", "SampleData/faq_pairs.tsv", "--model", "other"]
                + Workspace.quickTraining)
            #expect(other.stdoutLines.first?.hasPrefix("trained model \"other\": 3 epochs") == true)
            let names = try jsonObject(try workspace.succeed("info", "--json").stdout)["models"] as? [[String: Any]]
            #expect(Set(names?.compactMap { $0["name"] as? String } ?? []) == ["default", "other"])
        }
    }

    /// What `info --json` says of the index, but its size in bytes.
    private func contents(_ workspace: Workspace) throws -> String {
        var info = try jsonObject(try workspace.succeed("info", "--json").stdout)
        info["bytes"] = nil
        return String(decoding: try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]), as: UTF8.self)
    }
}
