import Foundation

/// Splits question text into lowercase word tokens.
///
/// Rule (version 2): the text is put in Unicode normalization form C (NFC), so that "café" typed with a
/// precomposed é and with e + combining acute are one word; then, as in version 1 (which had no NFC step): the
/// text is lowercased; a token is a maximal run of Unicode scalars whose general
/// category is a letter (L*), a number (N*) or a combining mark (M*, so accented letters written with
/// combining marks stay in their word). Every other scalar — spaces, punctuation, symbols, emoji, control
/// characters, the replacement character U+FFFD — separates tokens and is dropped. At most `maxTokens`
/// tokens are kept, from the start of the text.
///
/// The rule is versioned: a stored model records the version it was trained with (`ModelConfig.tokenizerVersion`)
/// and is always read back with that rule, so a model of an older version scores exactly as before.
public struct Tokenizer: Sendable, Equatable {
    /// The version of the splitting rule above, the one new models are trained with. Bump it whenever the rule
    /// changes, and keep the old rule available for the models that recorded it.
    public static let version = 2
    /// Every rule version this build can apply.
    public static let supportedVersions = 1...2

    /// The most tokens kept from one question; the rest of a longer text is ignored.
    public var maxTokens: Int
    /// The rule applied: 1 without the NFC step, 2 with it.
    public var version: Int

    /// A tokenizer keeping at most `maxTokens` tokens, applying rule `version` (one of `supportedVersions`).
    public init(maxTokens: Int = 64, version: Int = Tokenizer.version) {
        precondition(maxTokens > 0, "maxTokens must be positive")
        precondition(Self.supportedVersions.contains(version), "unknown tokenizer version \(version)")
        self.maxTokens = maxTokens
        self.version = version
    }

    /// The tokens of `text`, in order, at most `maxTokens` of them.
    /// - Complexity: O(n) in the length of the text; stops early once `maxTokens` tokens are found (after
    ///   the NFC step, which reads the whole text unless it is ASCII).
    public func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in (version >= 2 ? Self.nfc(text) : text).unicodeScalars {
            if Self.isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                tokens.append(String(current).lowercased())
                if tokens.count == maxTokens { return tokens }
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty, tokens.count < maxTokens {
            tokens.append(String(current).lowercased())
        }
        return tokens
    }

    /// The normalized form of a question used to detect exact duplicates: its tokens joined by one space.
    /// Texts differing only in case, punctuation or spacing normalize equally.
    public func normalized(_ text: String) -> String {
        Tokenizer(maxTokens: Int.max, version: version).tokens(text).joined(separator: " ")
    }

    /// `text` in Unicode normalization form C; ASCII text (most input) is returned as it is.
    static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return text.precomposedStringWithCanonicalMapping
    }

    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber,
             .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }
}
