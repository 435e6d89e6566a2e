/// Cleans up field text the same way for every reader.
enum FieldValue {
    /// `text` without leading and trailing white space (Unicode White_Space: spaces, tabs, line breaks, NBSP).
    /// - Complexity: O(1) when there is nothing to trim, else O(n).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        if !isWhitespace(first) && !isWhitespace(last) { return text }
        guard let start = scalars.firstIndex(where: { !isWhitespace($0) }),
              let end = scalars.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(scalars[start...end])
    }

    /// Unicode White_Space, answered without the property tables for ASCII, which is nearly all input.
    @inline(__always)
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return scalar.value == 0x20 || (0x09...0x0D).contains(scalar.value)
        }
        return scalar.properties.isWhitespace
    }

    /// An optional id field: trimmed, and nil when empty.
    static func identifier(_ text: String) -> String? {
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }
}
