import Foundation
import Testing

@Suite("siamese check")
struct CheckCommandTests {
    /// Tickets: two asked before (the notebook's questions), one without words in the middle, one malformed row.
    static let tickets = """
        id\tquestion
        T-1\tHow old are you?
        T-2\t???
        T-3\tHow much is the fish?
        T-4\tone field too many\textra
        T-5\tDo you like this course?

        """

    @Test("tsv and jsonl: each ticket's id, its best matches and marks; a row without words is skipped on stderr")
    func ticketsAgainstTheFAQ() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try workspace.write("tickets.tsv", Self.tickets)
            let tsv = try workspace.run("check", "tickets.tsv", "-k", "2", "--format", "tsv", "--skip-bad")
            #expect(tsv.exitCode == 0 || tsv.exitCode == 1, "\(tsv)")
            let lines = tsv.stdoutLines
            #expect(lines.first == "row\tline\tquestion\trank\tscore\tduplicate\tmatch_id\tmatch_external_id\tmatch_question")
            let rows = lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            try #require(rows.count == 6 && rows.allSatisfy { $0.count == 9 }, "\(tsv)")
            #expect(rows.map { $0[0] } == ["T-1", "T-1", "T-3", "T-3", "T-5", "T-5"])
            #expect(rows.map { $0[1] } == ["2", "2", "4", "4", "6", "6"])
            #expect(rows.map { $0[3] } == ["1", "2", "1", "2", "1", "2"])
            for pair in stride(from: 0, to: 6, by: 2) {
                #expect(Double(rows[pair][4])! >= Double(rows[pair + 1][4])!, "best first")
            }
            let anyDuplicate = rows.contains { $0[5] == "1" }
            #expect(tsv.exitCode == (anyDuplicate ? 1 : 0))
            #expect(tsv.stderr.contains("tickets.tsv:3: skipped: the question has no words\n"))
            #expect(tsv.stderr.contains("skipped: tickets.tsv:5: expected 2 fields, found 3\n"))
            #expect(tsv.stderr.contains("3 rows checked"))

            // The same answers as `query` gives one question at a time.
            let query = try workspace.succeed("query", "-k", "2", "--json", "How much is the fish?")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(query.stdout.utf8)) as? [String: Any])
            let queryIDs = (object["matches"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }.map(String.init)
            #expect(queryIDs == [rows[2][6], rows[3][6]])

            let jsonl = try workspace.run("check", "tickets.tsv", "--format", "jsonl", "--skip-bad", "--batch-size", "1")
            #expect(jsonl.exitCode == tsv.exitCode)
            let records = try jsonl.stdoutLines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(records.map { $0["row"] as? String } == ["T-1", "T-3", "T-5"])
            #expect(records.map { $0["line"] as? Int } == [2, 4, 6])
            let firstIDs = records.map { (($0["matches"] as? [[String: Any]])?.first?["id"] as? Int).map(String.init) }
            #expect(firstIDs == [rows[0][6], rows[2][6], rows[4][6]])
        }
    }

    @Test("exit 0 when nothing is a duplicate, 1 when some row is, 2 on a bad row (after the rows before it)")
    func exitStatus() throws {
        try #require(SQLiteShell.isAvailable)
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            try workspace.write("one.txt", "What is your age?\n")
            // A stored question matches itself (cosine 1) above any threshold below 1.
            #expect(try workspace.run("check", "one.txt").exitCode == 1)
            let text = try workspace.run("check", "one.txt")
            #expect(text.stdoutLines.first == "# line 1: What is your age?")
            #expect(text.stdoutLines.dropFirst().first?.wholeMatch(of: #/  1  1\.0000  duplicate  #\d+  What is your age\?/#) != nil,
                    "\(text)")
            // A question that is not stored stays below a threshold of 1: no row is a duplicate.
            try SQLiteShell.run("UPDATE model SET threshold = 1.0", in: workspace)
            try workspace.write("new.txt", "Where can I buy a blue umbrella today?\n")
            let none = try workspace.run("check", "new.txt", "--format", "csv")
            #expect(none.exitCode == 0, "\(none)")
            let fields = none.stdoutLines.last?.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields?.prefix(4) == ["1", "1", "Where can I buy a blue umbrella today?", "1"], "\(none)")
            #expect(fields?.count == 9 && fields?[5] == "0", "\(none)")

            try workspace.write("bad.tsv", Self.tickets)
            let bad = try workspace.run("check", "bad.tsv", "--format", "tsv")
            #expect(bad.exitCode == 2)
            #expect(bad.stderr.hasSuffix("siamese: error: bad.tsv:5: expected 2 fields, found 3\n"), "\(bad)")
            #expect(bad.stdoutLines.dropFirst().map { $0.prefix(4) } == ["T-1\t", "T-3\t"], "rows before the bad one")

            let missing = try workspace.run("check", "nope.txt")
            #expect(missing.exitCode == 2)
            #expect(missing.stderr == "siamese: error: nope.txt: no such file\n")
            let usage = try workspace.run("check", "one.txt", "-k", "0")
            #expect(usage.exitCode == 64)
        }
    }

    @Test("- reads plain lines from stdin")
    func standardInput() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let result = try workspace.run("check", "-", "--format", "jsonl", stdin: "What is your age?\n\n!!!\nWhat does the fish cost?\n")
            #expect(result.exitCode == 1, "\(result)")
            #expect(result.stdoutLines.count == 2)
            #expect(result.stdout.contains("\"line\":1,") && result.stdout.contains("\"line\":4,"))
            #expect(result.stderr.contains("stdin:3: skipped: the question has no words"))
        }
    }

    /// A device or a line without end was read into memory without bound before (`check /dev/zero` grew until
    /// killed): both are refused as `index` refuses them.
    @Test("a device and an endless line are refused, not read into memory")
    func endlessInput() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let device = try workspace.run("check", "/dev/zero")
            #expect(device.exitCode == 2, "\(device)")
            #expect(device.stderr == "siamese: error: /dev/zero: cannot read: not a regular file or a pipe\n")
            try workspace.write("long.txt", "How old are you?\n" + String(repeating: "a", count: (1 << 20) + 1) + "\n")
            let result = try workspace.run("check", "long.txt", "--format", "tsv")
            #expect(result.exitCode == 2, "\(result)")
            #expect(result.stderr.contains("long.txt:2: line longer than 1 MiB (is this a text file?)"))
        }
    }
}
