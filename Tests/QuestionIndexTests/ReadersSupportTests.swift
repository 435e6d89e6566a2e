import Foundation
import Testing
@testable import QuestionIndex

/// A fresh temporary directory for one test's input files; `withReadersScratch` removes it afterwards.
struct ReadersScratch {
    let directory: URL

    /// Writes `text` as UTF-8 to `name` and returns the file's path.
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes to `name` and returns the file's path.
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// The path `name` would have in the directory, without creating it.
    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}

/// Runs `body` with a new, empty temporary directory and removes it when `body` returns or throws.
func withReadersScratch(_ body: (ReadersScratch) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("readers-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(ReadersScratch(directory: directory))
}

/// A small seeded generator (SplitMix64), so the randomized checks below repeat exactly.
private struct ReadersSplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ReadersSupportTests {
    /// Bytes are valid UTF-8 exactly when decoding them with repair gives them back unchanged.
    private static func oracle(_ bytes: [UInt8]) -> Bool {
        Array(String(decoding: bytes, as: UTF8.self).utf8) == bytes
    }

    @Test func validatorAgreesWithTheStandardLibraryOnRandomBytes() {
        // Bytes biased towards lead and continuation bytes, so that multi-byte edge cases come up often.
        let alphabet: [UInt8] = [0x41, 0x0A, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        for seed in UInt64(1)...200 {
            var random = ReadersSplitMix(state: seed)
            for _ in 0..<50 {
                let length = Int(random.next() % 8)
                let bytes = (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
                #expect(UTF8Validator.isValid(bytes, 0..<bytes.count) == Self.oracle(bytes), "\(bytes)")
            }
        }
    }

    @Test func validatorRejectsOverlongsSurrogatesAndTruncations() {
        let good = Array("héllo ✓ 😀 \u{FFFD}".utf8)
        #expect(UTF8Validator.isValid(good, 0..<good.count))
        #expect(!UTF8Validator.isValid(good, 0..<17))  // ends inside the 3-byte U+FFFD
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                             [0xE2, 0x82], [0x80], [0xFF]] {
            #expect(!UTF8Validator.isValid(bad, 0..<bad.count), "\(bad)")
        }
    }

    @Test func scanLinesCountsLFCRLFAndLoneCR() {
        let bytes: [UInt8] = Array("a\nb\r\nc\rd".utf8) + [0xFF] + Array("\ne\n".utf8) + [0xC3]
        #expect(UTF8Validator.scanLines(bytes) == UTF8Validator.LineScan(malformedLines: [4, 6], lineBreaks: 5))
    }

    @Test func lineScannerDropsLineEndings() {
        var scanner = LineScanner(Array("a\r\n\nb\rc\nlast".utf8))
        var lines: [String] = []
        while let line = scanner.next() {
            lines.append("\(line.number):" + String(decoding: scanner.bytes[line.range], as: UTF8.self))
        }
        #expect(lines == ["1:a", "2:", "3:b\rc", "4:last"])
    }

    @Test func trimmingKeepsInnerWhiteSpace() {
        #expect(FieldValue.trimmed("  a b\t\r\n") == "a b")
        #expect(FieldValue.trimmed("\u{A0}x\u{A0}") == "x")
        #expect(FieldValue.trimmed(" \t ") == "")
        #expect(FieldValue.identifier("  ") == nil)
        #expect(FieldValue.identifier(" 42 ") == "42")
    }
}
