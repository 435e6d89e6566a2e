#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads an input file whole, as bytes, so readers can check UTF-8 line by line instead of failing the whole
/// file on one bad byte.
enum FileBytes {
    /// The bytes of the file at `path`, without a leading UTF-8 byte-order mark.
    /// - Throws: `ReaderError.fileNotFound`, or `.unreadable` with the system's reason.
    /// - Complexity: O(n) in the file size; holds one copy of the file.
    static func load(_ path: String) throws(ReaderError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw failure(path, code: errno) }
        defer { close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, code: errno) }
        guard (info.st_mode & mode_t(S_IFMT)) != mode_t(S_IFDIR) else {
            throw .unreadable(file: path, reason: "is a directory")
        }

        // The size is only a hint: pipes report 0 and a file may grow while it is read.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 1)
        var count = 0
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
        }
        bytes.removeSubrange(count...)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
        }
        return bytes
    }

    private static func failure(_ path: String, code: Int32) -> ReaderError {
        if code == ENOENT { return .fileNotFound(file: path) }
        return .unreadable(file: path, reason: String(cString: strerror(code)))
    }
}
