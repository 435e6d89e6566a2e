import Foundation
import Testing

/// A pair file that `train` and `index` must refuse with one line naming the file (and line) and the problem.
enum BadPairFile: String, CaseIterable, CustomTestStringConvertible {
    case missing, empty, headerOnly, missingColumns, malformedRow, invalidUTF8, emptyQuestion

    var testDescription: String { rawValue }

    var fileName: String { rawValue + ".tsv" }

    /// The bytes of the file; nil when it must not exist.
    func contents() throws -> [UInt8]? {
        switch self {
        case .missing: nil
        case .empty: []
        case .headerOnly: Array("id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n".utf8)
        case .missingColumns: Array("first\tsecond\nHow old are you?\tWhat is your age?\n".utf8)
        case .malformedRow: try Self.sample(withLine6: Array("9\t1\t2\tonly three fields".utf8))
        case .invalidUTF8: try Self.sample(withLine6: Array("9\t1\t2\tbad ".utf8) + [0xFF, 0xFE]
                                               + Array(" bytes\tWhat is your age?\t1".utf8))
        case .emptyQuestion: try Self.sample(withLine6: Array("9\t1\t2\t\tWhat is your age?\t1".utf8))
        }
    }

    /// The message of `siamese train --pairs FILE`.
    var trainError: String {
        switch self {
        case .missing: "missing.tsv: no such file"
        case .empty: "empty.tsv: empty file"
        case .headerOnly: "headerOnly.tsv: no rows after the header"
        case .missingColumns: "missingColumns.tsv:1: missing column(s) question1, question2 (header: first, second)"
        case .malformedRow: "malformedRow.tsv:6: expected 6 fields, found 4"
        case .invalidUTF8: "invalidUTF8.tsv:6: invalid UTF-8"
        case .emptyQuestion: "emptyQuestion.tsv:6: empty question1"
        }
    }

    /// The message of `siamese index FILE`, which reads the same file as questions.
    var indexError: String {
        switch self {
        case .missingColumns: """
            missingColumns.tsv:1: no question column: expected question, or question1 and question2 \
            (header: first, second)
            """
        default: trainError
        }
    }

    /// The sample pairs (header and all 550 rows) with `line` inserted as line 6.
    static func sample(withLine6 line: [UInt8]) throws -> [UInt8] {
        var lines = try Workspace.sampleLines("faq_pairs.tsv").map { Array($0.utf8) }
        lines.insert(line, at: 5)
        return Array(lines.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
    }
}

@Suite("bad input files")
struct BadInputTests {
    @Test("train and index refuse a bad file with one line, leaving the database as it was",
          arguments: BadPairFile.allCases)
    func refused(_ file: BadPairFile) throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            if let contents = try file.contents() { try workspace.write(file.fileName, bytes: contents) }
            let before = try workspace.snapshot()

            let train = try workspace.run(["train", "--pairs", file.fileName] + Workspace.quickTraining)
            expectError(train, file.trainError)
            #expect(try workspace.snapshot() == before)

            let trainNew = try workspace.run(["train", "--pairs", file.fileName, "--db", "new.sqlite"]
                + Workspace.quickTraining)
            expectError(trainNew, file.trainError)
            #expect(try workspace.snapshot("new.sqlite") == .absent)

            let index = try workspace.run("index", file.fileName)
            expectError(index, file.indexError)
            #expect(try workspace.snapshot() == before)
        }
    }

    @Test("--skip-bad skips a malformed row, reports it, and trains on the rest")
    func skipBadRow() throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let file = BadPairFile.malformedRow
            try workspace.write(file.fileName, bytes: try #require(try file.contents()))
            let result = try workspace.succeed(["train", "--pairs", file.fileName, "--skip-bad"]
                + Workspace.quickTraining)
            #expect(Array(result.stderrLines.prefix(2)) == ["malformedRow.tsv: skipped 1 malformed rows",
                                                            "  malformedRow.tsv:6: expected 6 fields, found 4"])
            #expect(result.stdoutLines.first?.hasPrefix("trained model \"default\": 3 epochs on 400 pairs (+106 implied) and ")
                == true, "\(result)")

            let index = try workspace.succeed("index", file.fileName, "--skip-bad")
            #expect(index.stderrLines.first == "skipped: malformedRow.tsv:6: expected 6 fields, found 4")
            #expect(index.stdoutLines.first == "rows: 336 new, 0 updated, 0 unchanged, 764 repeated, 1 bad skipped; questions: 336 added")
        }
    }

    @Test("a question without words stops index, unless --skip-bad counts it")
    func questionWithoutWords() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("questions.txt", "How old are you?\n?!\n")
            let before = try workspace.snapshot()
            expectError(try workspace.run("index", "questions.txt"), "questions.txt:2: the question has no words")
            #expect(try workspace.snapshot() == before)

            let skipped = try workspace.succeed("index", "questions.txt", "--skip-bad")
            #expect(skipped.stdoutLines.first == "rows: 1 new, 0 updated, 0 unchanged, 1 bad skipped; questions: 1 added")
        }
    }

    @Test("invalid UTF-8 in a question file names the line")
    func invalidUTF8Questions() throws {
        try withWorkspace { workspace in
            try workspace.trainQuickModel()
            try workspace.write("questions.txt", bytes: Array("How old are you?\nbad ".utf8) + [0xC3, 0x28] + [0x0A])
            let before = try workspace.snapshot()
            expectError(try workspace.run("index", "questions.txt"), "questions.txt:2: invalid UTF-8")
            #expect(try workspace.snapshot() == before)
        }
    }

    @Test("a question of only punctuation has no words to match or compare")
    func punctuationOnly() throws {
        try withWorkspace { workspace in
            try workspace.trainAndIndexQuickModel()
            let before = try workspace.snapshot()
            expectError(try workspace.run("query", "?!"), #"the question "?!" has no words to match"#)
            expectError(try workspace.run("query", "-", stdin: "How old are you?\n\n?!\n"),
                        #"stdin:3: the question "?!" has no words to match"#)
            expectError(try workspace.run("compare", "How old are you?", "?!"),
                        #"the second question "?!" has no words to compare"#)
            expectError(try workspace.run("compare", "", "How old are you?"),
                        #"the first question "" has no words to compare"#)
            #expect(try workspace.snapshot() == before)
        }
    }
}

/// Arguments ArgumentParser refuses before the command runs: exit 64 with its usage message.
struct UsageCase: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }
}

@Suite("usage errors")
struct UsageErrorTests {
    static let cases = [
        UsageCase(arguments: ["query", "How old are you?", "-k", "0"], message: "-k must be at least 1"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--validation-fraction", "1"],
                  message: "--validation-fraction must be at least 0 and below 1, got 1.0"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--non-duplicate-weight=-1"],
                  message: "non-duplicate weight must be non-negative, got -1.0"),
        UsageCase(arguments: ["query", "How old are you?", "-k", "many"],
                  message: "The value 'many' is invalid for '-k <k>'"),
        UsageCase(arguments: ["query", "How old are you?", "--threads", "0"], message: "--threads must be at least 1"),
        UsageCase(arguments: ["query"], message: "Missing expected argument '<question>'"),
        UsageCase(arguments: ["compare", "How old are you?"], message: "Missing expected argument '<second>'"),
        UsageCase(arguments: ["train", "--pairs", "SampleData/faq_pairs.tsv", "--epochs", "0"],
                  message: "epochs must be at least 1, got 0"),
        UsageCase(arguments: ["train"], message: "Missing expected argument '--pairs <file>'"),
        UsageCase(arguments: ["index", "--batch-size", "0"], message: "--batch-size must be at least 1"),
        UsageCase(arguments: ["index", "--bogus"], message: "Unknown option '--bogus'"),
        UsageCase(arguments: ["demo", "--epochs", "0"], message: "--epochs must be at least 1"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--input-dropout", "1"],
                  message: "input dropout must be in [0, 1), got 1.0"),
        UsageCase(arguments: ["check", "q.txt", "-k", "9223372036854775807"],
                  message: "-k must be at most 1000000, got 9223372036854775807"),
        UsageCase(arguments: ["check", "q.txt", "--batch-size", "4611686018427387904"],
                  message: "--batch-size must be at most 65536, got 4611686018427387904"),
        UsageCase(arguments: ["dedup", "--max-pairs", "0"], message: "--max-pairs must be at least 1"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--directions", "3"], message: "directions must be 1 or 2, got 3"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--members", "3"],
                  message: "the dimension (128) must be a multiple of the members (3): d/members values each"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--members", "0"], message: "members must be between 1 and 64, got 0"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--directions", "2", "--dimension", "5", "--members", "1"],
                  message: "a bidirectional model needs an even dimension (d/2 per direction), got 5"),
        UsageCase(arguments: ["train", "--pairs", "p.tsv", "--implied-pairs=-1"],
                  message: "implied pair ratio must be between 0 and 1000, got -1.0"),
    ]

    @Test("bad arguments are a usage error that touches nothing", arguments: cases)
    func usageError(_ usage: UsageCase) throws {
        try withWorkspace { workspace in
            try workspace.copySampleData()
            let result = try workspace.run(usage.arguments)
            expectUsageError(result, command: usage.arguments[0], usage.message)
            #expect(try workspace.snapshot() == .absent)
        }
    }
}
