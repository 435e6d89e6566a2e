/// Control characters that a line of text input must not hold: every C0 control except tab and the line
/// breaks (LF, VT, FF, CR), and DEL. NUL would cut a question short when SQLite reads it back, ESC could
/// rewrite the terminal that shows a match; none belongs in a question.
package enum ControlCharacters {
    /// Whether `byte` is a forbidden control character. UTF-8 multi-byte sequences use only bytes ≥ 0x80, so
    /// the check works on undecoded bytes.
    @inline(__always)
    package static func isForbidden(_ byte: UInt8) -> Bool {
        (byte < 0x20 && !(0x09...0x0D).contains(byte)) || byte == 0x7F
    }

    /// The first forbidden control character in `bytes[range]`, nil when there is none.
    /// - Complexity: O(`range.count`).
    package static func first(in bytes: [UInt8], _ range: Range<Int>) -> UInt8? {
        bytes.withUnsafeBufferPointer { buffer in
            for index in range where isForbidden(buffer[index]) { return buffer[index] }
            return nil
        }
    }
}
