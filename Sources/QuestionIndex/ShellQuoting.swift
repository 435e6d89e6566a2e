import Foundation

extension String {
    /// The string as one word of a POSIX shell command: as it is when it needs no quoting (letters, digits and
    /// `._/-`), else in single quotes. Error remedies and `info` print commands a user can paste.
    package var shellQuoted: String {
        let plain = !isEmpty && unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._/-".unicodeScalars.contains($0)) }
        return plain ? self : "'" + replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
