import Foundation
import Testing

@Suite("siamese index")
struct IndexCommandTests {
    @Test("indexing a file twice adds nothing the second time")
    func indexTwice() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let first = try workspace.succeed("index", "SampleData/faq_questions.txt")
            try #require(first.stdoutLines.count == 2, "\(first)")
            #expect(first.stdoutLines[0] == "rows: 120 new, 0 updated, 0 unchanged; questions: 120 added")
            #expect(first.stdoutLines[1].wholeMatch(of: #/
                embedded\ 120\ with\ model\ "default"\ in\ \d+\.\d\d\ s\ \(\d+\ questions/s\);\ 120\ questions\ indexed
                /#) != nil, "\(first)")

            let second = try workspace.succeed("index", "SampleData/faq_questions.txt")
            #expect(second.stdout == """
                rows: 0 new, 0 updated, 120 unchanged; questions: 0 added
                nothing new to embed; 120 questions indexed with model "default"

                """)
        }
    }

    @Test("- reads one question per line from standard input")
    func standardInput() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let plain = try workspace.succeed("index", "-", stdin: "How old are you?\nIs there a student discount?\n")
            #expect(plain.stdoutLines.first == "rows: 2 new, 0 updated, 0 unchanged; questions: 2 added", "\(plain)")
            let again = try workspace.succeed("index", "-", stdin: "How old are you?\r\nDo you ship to Norway?\r\n")
            #expect(again.stdoutLines.first == "rows: 1 new, 0 updated, 1 unchanged; questions: 1 added", "\(again)")
            let query = try workspace.succeed("query", "Do you ship to Norway?", "-k", "1", "--json")
            #expect(query.stdout.contains("\"text\":\"Do you ship to Norway?\""), "\(query)")
            let bad = try workspace.run("index", "-", stdin: "How old are you?\n???\n")
            #expect(bad.exitCode == 1)
            #expect(bad.stderrLines.last == "siamese: error: /dev/stdin:2: the question has no words", "\(bad)")
            let twice = try workspace.run("index", "-", "-")
            #expect(twice.exitCode == 64)
        }
    }

    @Test("--json prints the documented summary")
    func json() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let result = try workspace.succeed("index", "SampleData/faq_questions.txt", "--json")
            try #require(result.stdoutLines.count == 1, "\(result)")
            let summary = try jsonObject(result.stdout)
            #expect(keys(summary) == ["database", "model", "added_questions", "removed_questions", "new_rows",
                                      "updated_rows", "unchanged_rows", "repeated_rows", "removed_rows", "skipped_bad",
                                      "embedded", "seconds", "indexed"])
            #expect(summary["database"] as? String == "siamese.sqlite")
            #expect(summary["model"] as? String == "default")
            #expect(int(summary["added_questions"]) == 120)
            #expect(int(summary["new_rows"]) == 120)
            #expect(int(summary["skipped_bad"]) == 0)
            #expect(int(summary["embedded"]) == 120)
            #expect(int(summary["indexed"]) == 120)
            #expect((double(summary["seconds"]) ?? -1) >= 0)
        }
    }

    @Test("a pair-layout TSV adds both questions of every row, with their qids as external ids")
    func pairLayout() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("pairs.tsv", """
                id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate
                1\t11\t12\tWhere is the train station?\tHow do I get to the train station?\t1
                2\t13\t14\tIs it raining in Zürich?\tWill it snow tomorrow?\t0
                3\t15\t16\tWhat is the capital of France?\tWhich city is the capital of France?\t1

                """)
            let result = try workspace.succeed("index", "pairs.tsv")
            #expect(result.stdoutLines.first == "rows: 6 new, 0 updated, 0 unchanged; questions: 6 added")
            #expect(result.stdoutLines.last?.hasSuffix("; 6 questions indexed") == true)

            let questions = ["Where is the train station?", "How do I get to the train station?",
                             "Is it raining in Zürich?", "Will it snow tomorrow?", "What is the capital of France?",
                             "Which city is the capital of France?"]
            let found = try workspace.succeed("query", "-", "-k", "1", "--json",
                                              stdin: questions.joined(separator: "\n") + "\n")
            let answers = try found.stdoutLines.map { try jsonObject($0) }
            try #require(answers.count == 6, "\(found)")
            for (question, (qid, answer)) in zip(questions, zip(11...16, answers)) {
                let best = try #require((answer["matches"] as? [[String: Any]])?.first)
                #expect(best["text"] as? String == question)
                #expect(best["external_id"] as? String == String(qid))
                #expect(abs((double(best["score"]) ?? 0) - 1) < 1e-4, "a stored question is its own best match")
            }
        }
    }

    @Test("the sample pair file adds each of its 336 distinct questions once")
    func samplePairFile() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let result = try workspace.succeed("index", "SampleData/faq_pairs.tsv")
            #expect(result.stdoutLines.first == "rows: 336 new, 0 updated, 0 unchanged, 764 repeated; questions: 336 added")
            #expect(result.stdoutLines.last?.hasSuffix("; 336 questions indexed") == true)
        }
    }

    @Test("a question file with an id column stores the id; several files are added in one run")
    func questionTableAndSeveralFiles() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.csv", "id,question\nq-1,\"What time is it, please?\"\nq-2,Where do you live?\n")
            try workspace.write("more.txt", "Where do you live?\n\n   \nCan I bring my dog?\n")
            let result = try workspace.succeed("index", "faq.csv", "more.txt")
            #expect(result.stdoutLines.first == "rows: 4 new, 0 updated, 0 unchanged; questions: 3 added")

            let query = try workspace.succeed("query", "What time is it, please?", "-k", "1", "--json")
            let best = try #require((try jsonObject(query.stdout)["matches"] as? [[String: Any]])?.first)
            #expect(best["text"] as? String == "What time is it, please?")
            #expect(best["external_id"] as? String == "q-1")
        }
    }

    @Test("with no file, embeds what has no vector yet; --reembed recomputes every vector")
    func embedMissingAndReembed() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let nothing = try workspace.succeed("index")
            #expect(nothing.stdout == """
                nothing new to embed; 120 questions indexed with model "default"

                """)
            let again = try workspace.succeed("index", "--reembed")
            #expect(again.stdoutLines.last?.hasPrefix("embedded 120 with model \"default\"") == true, "\(again)")
        }
    }

    @Test("a question of 100,000 characters is indexed (truncated to --max-tokens words) and found")
    func longQuestion() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            let long = String(repeating: "word ", count: 19_999) + "words"
            #expect(long.count == 100_000)
            try workspace.write("long.txt", long + "\n")
            let indexed = try workspace.succeed("index", "long.txt")
            #expect(indexed.stdoutLines.first == "rows: 1 new, 0 updated, 0 unchanged; questions: 1 added")

            let query = try workspace.succeed("query", long, "-k", "1")
            let best = try #require(matchLines(query.stdoutLines).first, "\(query)")
            #expect(best.text == long)
            #expect(abs(best.score - 1) <= 1e-4, "a stored question is its own best match")
        }
    }
}
