import Foundation
import Testing

@Suite("identity: rows, updates and removal from the command line")
struct IdentityCommandTests {
    static let faq = """
        id,question
        FAQ-1,How do I reset my password?
        FAQ-2,how do i reset my password
        FAQ-3,"HOW do I reset, my password!!"
        FAQ-4,How do I reset my password
        FAQ-5,Can I pay by credit card?

        """

    @Test("rows whose texts normalize alike keep every id; dedup reports them as the tightest cluster")
    func exactDuplicatesKeepTheirIDs() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.csv", Self.faq)
            let index = try workspace.succeed("index", "faq.csv")
            #expect(index.stdoutLines.first == "rows: 5 new, 0 updated, 0 unchanged; questions: 2 added")
            let dedup = try workspace.succeed("dedup", "--threshold", "0.999", "--format", "jsonl")
            let clusters = try dedup.stdoutLines.map { try jsonObject($0) }
            try #require(clusters.count == 1, "\(dedup)")
            #expect(int(clusters[0]["size"]) == 4 && int(clusters[0]["questions"]) == 1)
            #expect(double(clusters[0]["lowest_similarity"]) == 1)
            let members = try #require(clusters[0]["members"] as? [[String: Any]])
            #expect(members.compactMap { $0["external_id"] as? String } == ["FAQ-1", "FAQ-2", "FAQ-3", "FAQ-4"])
            #expect(members.compactMap { int($0["line"]) } == [2, 3, 4, 5])
            let text = try workspace.succeed("dedup", "--threshold", "0.999")
            #expect(text.stdoutLines.first == "cluster 1: 4 rows of 1 question, lowest similarity 1.0000")
        }
    }

    @Test("indexing a row again with its id and a new text updates it; --sync drops rows the file lost")
    func upsertAndSync() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.csv", Self.faq)
            _ = try workspace.succeed("index", "faq.csv")
            try workspace.write("faq.csv", Self.faq.replacingOccurrences(of: "Can I pay by credit card?",
                                                                         with: "Do you ship abroad?"))
            let updated = try workspace.succeed("index", "faq.csv")
            #expect(updated.stdoutLines.first == "rows: 0 new, 1 updated, 4 unchanged; questions: 1 added, 1 removed")
            let query = try workspace.succeed("query", "Do you ship abroad?", "-k", "1", "--json")
            let best = try #require((try jsonObject(query.stdout)["matches"] as? [[String: Any]])?.first)
            #expect(best["external_id"] as? String == "FAQ-5")
            #expect(!(try workspace.succeed("query", "Can I pay by credit card?", "-k", "5").stdout
                .contains("Can I pay by credit card?")))

            try workspace.write("faq.csv", "id,question\nFAQ-5,Do you ship abroad?\n")
            let synced = try workspace.succeed("index", "faq.csv", "--sync")
            #expect(synced.stdoutLines.first == "rows: 0 new, 0 updated, 1 unchanged, 4 removed; questions: 0 added, 1 removed")
            let info = try workspace.succeed("info", "--json")
            #expect(int(try jsonObject(info.stdout)["questions"]) == 1)
        }
    }

    @Test("one id on two texts keeps both rows; indexing again makes the id name what the file gives it")
    func oneIDOnTwoTexts() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.csv", "id,question\nA,How do I reset my password?\nA,Can I pay by card?\n")
            let first = try workspace.succeed("index", "faq.csv")
            #expect(first.stdoutLines.first == "rows: 2 new, 0 updated, 0 unchanged; questions: 2 added")
            try workspace.write("faq.csv", "id,question\nA,How do I reset my password?\n")
            let fewer = try workspace.succeed("index", "faq.csv")
            #expect(fewer.stdoutLines.first == "rows: 0 new, 0 updated, 1 unchanged, 1 removed; questions: 0 added, 1 removed")
        }
    }

    @Test("remove by id, external id or source; what does not exist is an error and removes nothing")
    func remove() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("faq.csv", Self.faq)
            _ = try workspace.succeed("index", "faq.csv")
            let before = try workspace.succeed("dedup", "--threshold", "0.999", "--format", "tsv").stdout
            expectError(try workspace.run("remove", "--external-id", "FAQ-1", "--external-id", "nope"),
                        "siamese.sqlite has no row with id \"nope\"; nothing was removed")
            // Closing a writer checkpoints the log, so the bytes may move: the rows must not.
            #expect(try workspace.succeed("dedup", "--threshold", "0.999", "--format", "tsv").stdout == before)
            #expect(before.contains("FAQ-1"))

            #expect(try workspace.succeed("remove", "--external-id", "FAQ-1", "--external-id", "FAQ-2").stdout
                    == "removed 2 rows and 0 questions (with their vectors)\n")
            let json = try workspace.succeed("remove", "--external-id", "FAQ-5", "--source", "faq.csv", "--json")
            #expect(int(try jsonObject(json.stdout)["removed_rows"]) == 1)
            #expect(int(try jsonObject(json.stdout)["removed_questions"]) == 1)
            #expect(try workspace.succeed("remove", "--source", "faq.csv").stdout
                    == "removed 2 rows and 1 question (with their vectors)\n")
            #expect(int(try jsonObject(try workspace.succeed("info", "--json").stdout)["questions"]) == 0)
            expectUsageError(try workspace.run("remove"), command: "remove",
                             "name what to remove: --id, --external-id or --source")
        }
    }
}
