import Foundation
import Testing

@Suite("siamese eval and query --hybrid")
struct EvalCommandTests {
    @Test("eval --json on the sample pairs: every key, numbers in range, a BM25 row; the index is unchanged")
    func evalJSON() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let before = try workspace.snapshot()
            let result = try workspace.succeed("eval", "--pairs", "SampleData/faq_pairs.tsv", "--distractors",
                                               "SampleData/faq_questions.txt", "--json", "--threads", "1")
            #expect(result.stdoutLines.count == 1)
            let object = try jsonObject(result.stdout)
            #expect(keys(object) == ["model", "threshold", "k", "pairs", "retrieval", "seconds"])
            #expect(object["model"] as? String == "default")
            #expect(int(object["k"]) == 10)
            let pairs = object["pairs"] as? [String: Any]
            #expect(keys(pairs) == ["labelled", "skipped", "roc_auc", "at_threshold", "best_accuracy", "best_f1",
                                    "questions_with_unknown_words", "questions_without_known_words"])
            // The model's vocabulary is built from these very pairs: every word is known.
            #expect(int(pairs?["questions_with_unknown_words"]) == 0 && int(pairs?["questions_without_known_words"]) == 0)
            #expect(int(pairs?["labelled"]) == 550 && int(pairs?["skipped"]) == 0)
            #expect((0.5...1).contains(double(pairs?["roc_auc"]) ?? -1))
            let atThreshold = pairs?["at_threshold"] as? [String: Any]
            #expect(keys(atThreshold) == ["threshold", "accuracy", "precision", "recall", "f1"])
            for key in ["accuracy", "precision", "recall", "f1"] {
                #expect((0...1).contains(double(atThreshold?[key]) ?? -1), "\(key)")
            }
            #expect(double(atThreshold?["threshold"]) == double(object["threshold"]))
            #expect(keys(pairs?["best_accuracy"] as? [String: Any]) == ["threshold", "accuracy"])
            #expect(keys(pairs?["best_f1"] as? [String: Any]) == ["threshold", "f1"])

            let retrieval = object["retrieval"] as? [String: Any]
            #expect(keys(retrieval) == ["queries", "corpus", "questions_without_words", "queries_without_relevant",
                                        "model", "bm25", "hybrid", "fusion", "bm25_max_df", "seconds"])
            // 321 questions of the sample pairs have a duplicate; 336 distinct questions in the pairs, 42
            // more in the FAQ file.
            #expect(int(retrieval?["queries"]) == 321)
            #expect(int(retrieval?["corpus"]) == 378)
            #expect(retrieval?["hybrid"] is NSNull && retrieval?["fusion"] is NSNull)
            #expect(double(retrieval?["bm25_max_df"]) == 0.1)
            for method in ["model", "bm25"] {
                let metrics = retrieval?[method] as? [String: Any]
                #expect(keys(metrics) == ["recall_at_1", "recall_at_k", "mrr_at_k"], "\(method)")
                for value in (metrics ?? [:]).values { #expect((0...1).contains(double(value) ?? -1), "\(method)") }
                #expect((double(metrics?["recall_at_1"]) ?? 2) <= (double(metrics?["recall_at_k"]) ?? -1))
            }
            #expect(keys(retrieval?["seconds"] as? [String: Any])
                    == ["encoding", "embedding_search", "bm25_index", "bm25_search", "hybrid"])
            #expect(try workspace.snapshot() == before)
        }
    }

    @Test("eval --hybrid prints the pair metrics and a model, a BM25 and a hybrid row; --scores adds the raw scores")
    func evalTable() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let before = try workspace.snapshot()
            let result = try workspace.succeed("eval", "--pairs", "SampleData/faq_pairs.tsv", "--hybrid", "-k", "5",
                                               "--threads", "1")
            let lines = result.stdoutLines
            #expect(lines.first == "model \"default\" on SampleData/faq_pairs.tsv: 550 labelled pairs (0 skipped)")
            #expect(lines.contains { $0.wholeMatch(of: #/  ROC-AUC          0\.\d{4}/#) != nil }, "\(result)")
            #expect(lines.contains("retrieval: 321 queries over 336 questions"))
            #expect(lines.contains("  method    recall@1   recall@5    MRR@5  seconds"))
            for method in ["model   ", "BM25    ", "hybrid  "] {
                #expect(lines.contains { $0.hasPrefix("  \(method)") && $0.contains(#/ 0\.\d{4} +0\.\d{4} +0\.\d{4} /#) },
                        "\(method): \(result)")
            }
            #expect(lines.contains { $0.hasSuffix("(cosine + 1.0 · bm25/max)") }, "\(result)")
            let rrf = try workspace.succeed("eval", "--pairs", "SampleData/faq_pairs.tsv", "--hybrid", "--fusion", "rrf",
                                            "--threads", "1")
            #expect(rrf.stdoutLines.contains { $0.hasPrefix("  hybrid  ") && $0.hasSuffix("(RRF, k = 60)") }, "\(rrf)")

            let scores = try jsonObject(try workspace.succeed("eval", "--pairs", "SampleData/faq_pairs.tsv", "--json",
                                                              "--scores", "--threads", "1").stdout)
            let pairs = scores["pairs"] as? [String: Any]
            #expect((pairs?["scores"] as? [Any])?.count == 550)
            #expect((pairs?["labels"] as? [Any])?.count == 550)
            #expect(try workspace.snapshot() == before)
        }
    }

    @Test("eval refuses a bad pair or distractor file with one line naming it", arguments: BadPairFile.allCases)
    func badFiles(_ file: BadPairFile) throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            if let contents = try file.contents() { try workspace.write(file.fileName, bytes: contents) }
            let before = try workspace.snapshot()
            expectError(try workspace.run("eval", "--pairs", file.fileName), file.trainError)
            expectError(try workspace.run("eval", "--pairs", "SampleData/faq_pairs.tsv", "--distractors", file.fileName),
                        file.indexError)
            #expect(try workspace.snapshot() == before)
        }
    }

    @Test("eval without duplicate rows, or without a model, fails with one line")
    func nothingToEvaluate() throws {
        try withWorkspace { workspace in
            try workspace.write("negatives.tsv", "question1\tquestion2\tis_duplicate\nHow old are you?\tWhere do you live?\t0\n")
            expectError(try workspace.run("eval", "--pairs", "negatives.tsv"),
                        "no index at siamese.sqlite; create one with `siamese train --db siamese.sqlite --pairs FILE`")
            #expect(try workspace.snapshot() == .absent)
            try workspace.trainQuickModel()
            expectError(try workspace.run("eval", "--pairs", "negatives.tsv"),
                        "negatives.tsv: no duplicate pairs (is_duplicate = 1) with words on both sides to retrieve")
        }
    }

    @Test("query --hybrid ranks a question sharing the query's rare words first, with its cosine and fused score")
    func queryHybrid() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let result = try workspace.succeed("query", "--hybrid", "-k", "3", "the fish cost")
            let matches = matchLines(result.stdoutLines)
            #expect(matches.count == 3)
            #expect(matches.first?.text == "What does the fish cost?")
            for match in matches { #expect((-1...1).contains(match.score)) }

            let json = try jsonObject(try workspace.succeed("query", "--hybrid", "-k", "2", "--json", "the fish cost").stdout)
            let first = (json["matches"] as? [[String: Any]])?.first
            #expect(first?["text"] as? String == "What does the fish cost?")
            // Its cosine plus the top normalized bm25, 1.
            let fused = try #require(double(first?["fused_score"]))
            #expect(abs(fused - ((double(first?["score"]) ?? 0) + 1)) < 1e-5)
            let rrf = try jsonObject(try workspace.succeed("query", "--hybrid", "--fusion", "rrf", "-k", "1", "--json",
                                                           "the fish cost").stdout)
            let rrfFused = try #require(double((rrf["matches"] as? [[String: Any]])?.first?["fused_score"]))
            #expect(rrfFused > 0 && rrfFused <= 2.0 / 61 + 1e-12)
            // A plain query has no fused score.
            let plain = try jsonObject(try workspace.succeed("query", "-k", "1", "--json", "the fish cost").stdout)
            #expect((plain["matches"] as? [[String: Any]])?.first?["fused_score"] == nil)
        }
    }

    @Test("eval --report writes one self-contained page whose charts hold the numbers of the JSON")
    func evalReport() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let result = try workspace.succeed("eval", "--pairs", "SampleData/faq_pairs.tsv", "--json", "--scores",
                                               "--report", "report.html", "--threads", "1")
            let pairs = try #require(try jsonObject(result.stdout)["pairs"] as? [String: Any])
            let html = try String(contentsOf: workspace.url("report.html"), encoding: .utf8)
            #expect(!html.contains("http") && !html.contains("<script"))
            // The ROC curve's AUC is the JSON's ROC-AUC.
            let auc = try #require(html.firstMatch(of: #/class="roc" data-auc="([0-9.]+)"/#)?.output.1)
            #expect(abs((Double(auc) ?? -1) - (double(pairs["roc_auc"]) ?? 9)) < 1e-6)
            // The histogram holds every scored pair, and its duplicates are the JSON's labels.
            let counts = html.matches(of: #/class="bar (duplicate|non-duplicate)"[^>]*data-count="(\d+)"/#)
            let duplicates = counts.filter { $0.output.1 == "duplicate" }.reduce(0) { $0 + Int($1.output.2)! }
            let all = counts.reduce(0) { $0 + Int($1.output.2)! }
            let labels = try #require(pairs["labels"] as? [Any])
            #expect(all == labels.count && all == 550)
            #expect(duplicates == labels.filter { ($0 as? Bool) == true || ($0 as? NSNumber)?.boolValue == true }.count)
            // The metrics table's model ROC-AUC cell.
            let cell = try #require(html.firstMatch(of: #/data-system="model" data-metric="ROC-AUC"[^>]*data-value="([0-9.]+)"/#)?.output.1)
            #expect(abs((Double(cell) ?? -1) - (double(pairs["roc_auc"]) ?? 9)) < 1e-3)

            // A report that cannot be written is one clear error, and no page is left behind.
            let failed = try workspace.run("eval", "--pairs", "SampleData/faq_pairs.tsv", "--report", "missing/r.html",
                                           "--threads", "1")
            #expect(failed.exitCode == 1)
            #expect(failed.stderrLines.last?.hasPrefix("siamese: error: missing/r.html: cannot write the report") == true,
                    "\(failed)")
            #expect(!FileManager.default.fileExists(atPath: workspace.url("missing").path))
        }
    }

    @Test("a question of words the model never saw is never a duplicate; query, compare and eval count unknown words")
    func unknownWords() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let compare = try workspace.succeed("compare", "ქართ ენა", "ქართ ენა", "--json")
            let object = try jsonObject(compare.stdout)
            #expect(object["duplicate"] as? Bool == false, "\(compare)")
            #expect((double(object["similarity"]) ?? 0) > 0.99)
            #expect((object["unknown_words"] as? [Any])?.compactMap(int) == [2, 2])
            let text = try workspace.succeed("compare", "ქართ ენა", "How old are you?")
            #expect(text.stdout.contains("not a duplicate"))
            #expect(text.stderrLines.contains("2 of 2 words of the first question are unknown to the model: nothing is marked duplicate"),
                    "\(text)")

            let query = try workspace.succeed("query", "ქართ ენა", "-k", "3", "--json")
            let answer = try jsonObject(query.stdout)
            #expect(int(answer["words"]) == 2 && int(answer["unknown_words"]) == 2)
            let matches = try #require(answer["matches"] as? [[String: Any]])
            #expect(matches.count == 3 && matches.allSatisfy { $0["duplicate"] as? Bool == false })
            let known = try workspace.succeed("query", "How old are you ქართ?", "-k", "1")
            #expect(known.stderrLines.contains("1 of 5 words of the question are unknown to the model"), "\(known)")
        }
    }
}
