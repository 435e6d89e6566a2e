@preconcurrency import Foundation
import QuestionIndex

/// The lines of stdin, read as they arrive (LF or CRLF; a final line without LF counts), each at most
/// `maximumBytes` long, so an endless stream without line breaks fails instead of filling memory.
struct StdinLines {
    /// As for input files (`siamese index`): 1 MiB.
    static let maximumBytes = 1 << 20

    private var buffer: [UInt8] = []
    private var start = 0
    private var ended = false
    private(set) var number = 0

    /// Whether every line read so far has been returned: the next `next()` waits for more input.
    var drained: Bool { !ended && !buffer[start...].contains(0x0A) }

    /// The next line, decoded as UTF-8, or nil at the end of input.
    /// - Throws: `CommandError` naming the line when it is longer than `maximumBytes`, holds a control character
    ///   (`ControlCharacters`) or is not valid UTF-8.
    mutating func next() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                defer { start = newline + 1 }
                return try line(buffer[start..<end])
            }
            if ended {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return try line(buffer[start...])
            }
            if buffer.count - start > Self.maximumBytes {
                throw CommandError("stdin:\(number + 1): line longer than 1 MiB")
            }
            // Drop what was consumed, then read more.
            buffer.removeSubrange(0..<start)
            start = 0
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CommandError("stdin: cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { ended = true } else { buffer += chunk[0..<count] }
        }
    }

    private mutating func line(_ bytes: ArraySlice<UInt8>) throws -> String {
        number += 1
        guard bytes.count <= Self.maximumBytes else { throw CommandError("stdin:\(number): line longer than 1 MiB") }
        // As in input files: a NUL would cut the question short, an escape could rewrite the terminal.
        if let code = bytes.first(where: ControlCharacters.isForbidden) {
            throw CommandError("stdin:\(number): control character U+" + String(format: "%04X", code)
                               + " (only tab and line breaks are allowed)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CommandError("stdin:\(number): the line is not valid UTF-8")
        }
        return text
    }
}
