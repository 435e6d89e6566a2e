/// Splits question text into lowercase word tokens.
///
/// Rule (version 1): the text is lowercased; a token is a maximal run of Unicode scalars whose general
/// category is a letter (L*), a number (N*) or a combining mark (M*, so accented letters written with
/// combining marks stay in their word). Every other scalar — spaces, punctuation, symbols, emoji, control
/// characters, the replacement character U+FFFD — separates tokens and is dropped. At most `maxTokens`
/// tokens are kept, from the start of the text.
///
/// The rule is versioned: a stored model records `Tokenizer.version`, and is never read back with a
/// different rule.
public struct Tokenizer: Sendable, Equatable {
    /// The version of the splitting rule above. Bump it whenever the rule changes.
    public static let version = 1

    /// The most tokens kept from one question; the rest of a longer text is ignored.
    public var maxTokens: Int

    public init(maxTokens: Int = 64) {
        precondition(maxTokens > 0, "maxTokens must be positive")
        self.maxTokens = maxTokens
    }

    /// The tokens of `text`, in order, at most `maxTokens` of them.
    /// - Complexity: O(n) in the length of the text; stops early once `maxTokens` tokens are found.
    public func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
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
        Tokenizer(maxTokens: Int.max).tokens(text).joined(separator: " ")
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
