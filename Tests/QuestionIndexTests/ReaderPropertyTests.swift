import Foundation
import SiameseNet
import Testing
@testable import QuestionIndex

/// A seeded property test of the readers and the tokenizer over random files built from the pieces that
/// break parsers (quotes, delimiters, line breaks of every kind, NUL, ESC, malformed and decomposed UTF-8, header
/// names): every file is either read or refused with one `ReaderError` line naming it, never a crash, and
/// whatever is read is clean text.
@Suite("readers and tokenizer on random input")
struct ReaderPropertyTests {
    static let pieces: [[UInt8]] = ["\"", "\"\"", ",", "\t", "\n", "\r", "\r\n", " ", "a", "How old", "?", "0", "1",
                                    "question", "question1", "question2", "is_duplicate", "id", "qid1", "é", "e\u{301}",
                                    "\u{1F600}", "\u{0}", "\u{1B}", "\u{7F}", "\u{85}"].map { Array($0.utf8) }
        + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF]]
    static let headers = ["", "question\n", "id,question\n", "question1,question2,is_duplicate\n",
                          "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n", "question1\tquestion2\n"]

    @Test("500 random files: read, or refused with one line naming the file")
    func randomFiles() throws {
        var random = SeededGenerator(seed: 2026)
        try withTemporaryDirectory { directory in
            for iteration in 0..<500 {
                let header = Array(Self.headers[Int(random.next() % UInt64(Self.headers.count))].utf8)
                let count = Int(random.next() % 80)
                let body = (0..<count).flatMap { _ in Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }
                let ext = ["csv", "tsv", "txt", "dat"][Int(random.next() % 4)]
                let path = directory.appending(path: "f\(iteration).\(ext)").path(percentEncoded: false)
                try Data(header + body).write(to: URL(fileURLWithPath: path))
                for skipBad in [false, true] {
                    check(path) { () throws(ReaderError) -> [String] in
                        try PairReader(skipBad: skipBad).read(path).pairs.flatMap { [$0.question1, $0.question2] }
                    }
                    check(path) { () throws(ReaderError) -> [String] in
                        try QuestionReader(skipBad: skipBad).read(path).questions.map(\.text)
                    }
                }
            }
        }
    }

    /// Runs a reader: its questions must be trimmed, non-empty and free of control characters; its error one
    /// line starting with the path.
    private func check(_ path: String, _ read: () throws(ReaderError) -> [String]) {
        do {
            for text in try read() {
                #expect(!text.isEmpty && text == FieldValue.trimmed(text), "\(path): \(String(reflecting: text))")
                #expect(!text.utf8.contains(where: ControlCharacters.isForbidden), "\(path): \(String(reflecting: text))")
            }
        } catch {
            #expect(error.description.hasPrefix(path) && !error.description.contains("\n"), "\(error.description)")
        }
    }

    @Test("tokens are words only, and normalizing is idempotent, byte for byte")
    func tokenizer() {
        var random = SeededGenerator(seed: 7)
        let scalars: [Unicode.Scalar] = ["a", "Z", "9", " ", "-", "'", "\u{301}", "\u{E9}", "\u{130}", "\u{DF}",
                                         "\u{1E9E}", "\u{FB01}", "\u{3A3}", "\u{1F600}", "\u{0}", "\u{FFFD}", "\u{AC00}",
                                         "\u{1100}", "\u{1161}", "\u{0627}", "\u{200D}", "\u{2160}"]
        let tokenizer = Tokenizer()
        for _ in 0..<2_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 20) { text.append(scalars[Int(random.next() % UInt64(scalars.count))]) }
            let string = String(text)
            let key = tokenizer.normalized(string)
            #expect(Array(tokenizer.normalized(key).utf8) == Array(key.utf8), "\(String(reflecting: string))")
            for token in tokenizer.tokens(string) {
                // A token is one word: tokenizing it again gives it back.
                #expect(tokenizer.tokens(token).map { Array($0.utf8) } == [Array(token.utf8)], "\(String(reflecting: string))")
            }
        }
    }
}
