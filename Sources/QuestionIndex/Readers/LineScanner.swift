#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file's bytes into lines for the line-based formats (TSV, plain text) without copying them.
///
/// A line ends at LF; a CR just before the LF is dropped, so LF and CRLF files read the same. A lone CR is
/// an ordinary byte. A final line without LF still counts; a final LF does not start another line.
struct LineScanner {
    /// The whole file, which `next()` indexes into.
    let bytes: [UInt8]
    private var position = 0
    private var number = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next line: its 1-based number and the byte range of its content, without the line ending.
    /// - Complexity: O(length of the line).
    mutating func next() -> (number: Int, range: Range<Int>)? {
        guard position < bytes.count else { return nil }
        let start = position
        let end = bytes.withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress,
                  let found = memchr(base + start, 0x0A, buffer.count - start)
            else { return buffer.count }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
        var contentEnd = end
        if contentEnd > start, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        position = end + 1
        number += 1
        return (number, start..<contentEnd)
    }
}
