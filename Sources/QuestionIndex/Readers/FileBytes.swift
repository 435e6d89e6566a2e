#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads an input file whole, as bytes, so readers can check UTF-8 line by line instead of failing the whole
/// file on one bad byte.
///
/// Input is bounded so that a wrong file cannot take all memory: a regular file or a pipe only (never a device
/// such as /dev/zero), at most `maximumBytes` in all and `maximumLineBytes` per line (checked while reading,
/// so an endless stream without line breaks fails after its first `maximumLineBytes`).
enum FileBytes {
    /// 2 GiB: several times the largest public question-pair sets.
    static let maximumBytes = 1 << 31
    /// 1 MiB: a question of 100,000 characters fits many times over.
    static let maximumLineBytes = 1 << 20

    /// The bytes of the file at `path`, without a leading UTF-8 byte-order mark.
    /// - Throws: `ReaderError.fileNotFound`, `.unreadable` with the system's reason (or for a device, socket or
    ///   directory), `.fileTooLarge`, `.lineTooLong`.
    /// - Complexity: O(n) in the file size; holds one copy of the file.
    static func load(_ path: String) throws(ReaderError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure(path, code: errno) }
        defer { close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, code: errno) }
        let kind = info.st_mode & mode_t(S_IFMT)
        guard kind != mode_t(S_IFDIR) else {
            throw .unreadable(file: path, reason: "is a directory")
        }
        guard kind == mode_t(S_IFREG) || kind == mode_t(S_IFIFO) else {
            throw .unreadable(file: path, reason: "not a regular file or a pipe")
        }
        guard info.st_size <= maximumBytes else { throw .fileTooLarge(file: path, limit: maximumBytes) }

        // The size is only a hint: pipes report 0 and a file may grow while it is read.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var count = 0
        // Where the line being read starts: after the last line break (LF or CR) read so far.
        var lineStart = 0
        while true {
            if count == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 65_536)))
            }
            let result = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + count, buffer.count - count)
            }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                throw failure(path, code: errno)
            }
            count += result
            if let tooLong = checkLines(bytes, lineStart: &lineStart, end: count) {
                throw .lineTooLong(file: path, line: lineNumber(bytes, at: tooLong), limit: maximumLineBytes)
            }
            if count > maximumBytes { throw .fileTooLarge(file: path, limit: maximumBytes) }
        }
        bytes.removeSubrange(count...)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
        }
        return bytes
    }

    /// Checks the lines of `bytes[lineStart..<end]` (all complete but the last, which is still being read)
    /// against `maximumLineBytes`, and moves `lineStart` to the start of that last line.
    /// - Returns: where a line that is too long starts, nil when none is.
    /// - Complexity: O(end − lineStart), with memchr doing the work for LF line ends.
    private static func checkLines(_ bytes: [UInt8], lineStart: inout Int, end: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            while let found = memchr(base + lineStart, 0x0A, end - lineStart) {
                let lineEnd = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
                if let tooLong = longLine(buffer, lineStart..<lineEnd) { return tooLong }
                lineStart = lineEnd + 1
            }
            if let tooLong = longLine(buffer, lineStart..<end) { return tooLong }
            // A line that reached this length only through lone CRs (old Mac files): go on after the last one.
            if end - lineStart > maximumLineBytes, let lastCR = buffer[lineStart..<end].lastIndex(of: 0x0D) {
                lineStart = lastCR + 1
            }
            return nil
        }
    }

    /// Where a line longer than the limit starts within `range` (no LF in it, but maybe lone CRs), or nil.
    private static func longLine(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard range.count > maximumLineBytes else { return nil }
        var start = range.lowerBound
        for index in range where buffer[index] == 0x0D {
            if index - start > maximumLineBytes { return start }
            start = index + 1
        }
        return range.upperBound - start > maximumLineBytes ? start : nil
    }

    /// The 1-based number of the line starting at `position`, counting line breaks as the readers do:
    /// LF, CRLF and a lone CR each end one line.
    private static func lineNumber(_ bytes: [UInt8], at position: Int) -> Int {
        var breaks = 0
        for index in 0..<position
        where bytes[index] == 0x0A || (bytes[index] == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A)) {
            breaks += 1
        }
        return breaks + 1
    }

    private static func failure(_ path: String, code: Int32) -> ReaderError {
        if code == ENOENT { return .fileNotFound(file: path) }
        return .unreadable(file: path, reason: String(cString: strerror(code)))
    }
}
