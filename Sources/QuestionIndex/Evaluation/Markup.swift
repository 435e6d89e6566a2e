/// Text and number formatting for the report page: escaping for HTML/XML and locale-independent decimals,
/// so the same report always renders to the same bytes.
enum Markup {
    /// `text` with `& < > " '` replaced by entities, safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `value` rounded to `decimals` places, e.g. `fixed(0.6416, 3) == "0.642"`; "–" when not finite.
    /// Written by hand rather than with `String(format:)` so no locale can change the output.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * Double(scale)).rounded()
        guard scaled < 1e15 else { return "\(value)" }
        let units = Int64(scaled)
        var text = String(units / scale)
        if decimals > 0 {
            let fraction = String(units % scale)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return value < 0 && units != 0 ? "-" + text : text
    }

    /// An SVG coordinate: at most two decimals, trailing zeros dropped ("12.5", "40").
    static func coordinate(_ value: Double) -> String {
        var text = fixed(value, 2)
        while text.contains("."), text.hasSuffix("0") || text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A count with thousands separators: 61456 → "61,456".
    static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var text = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return count < 0 ? "-" + text : text
    }
}
