import Foundation
import Testing

/// One answer line of `siamese query`: `  1  0.7617  duplicate  What is your age?`.
struct MatchLine: Equatable {
    var rank: Int
    var score: Double
    var isDuplicate: Bool
    var text: String

    /// Parses an answer line; nil for anything else.
    init?(_ line: String) {
        guard let match = line.wholeMatch(of: #/ *(\d+)  (-?\d\.\d{4})  (duplicate|         )  (.+)/#),
              let rank = Int(match.output.1), let score = Double(match.output.2) else { return nil }
        self.rank = rank
        self.score = score
        isDuplicate = match.output.3 == "duplicate"
        text = String(match.output.4)
    }
}

/// Parses every line of `lines` as an answer line, recording an issue for each that is not one.
func matchLines(_ lines: some Sequence<String>, sourceLocation: SourceLocation = #_sourceLocation) -> [MatchLine] {
    lines.compactMap { line in
        let match = MatchLine(line)
        #expect(match != nil, "not an answer line: \(line)", sourceLocation: sourceLocation)
        return match
    }
}

/// A number printed with a fixed format: the captured decimal.
func number(in line: String, _ pattern: Regex<(Substring, Substring)>) -> Double? {
    line.wholeMatch(of: pattern).flatMap { Double($0.output.1) }
}

/// Parses one line of JSON as an object.
func jsonObject(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    guard let dictionary = object as? [String: Any] else {
        throw CLITestError("not a JSON object: \(text)")
    }
    return dictionary
}

/// The keys of a JSON object.
func keys(_ object: [String: Any]?) -> Set<String> { Set(object?.keys.map { $0 } ?? []) }

/// A JSON number as a Double (JSONSerialization gives NSNumber or Int/Double depending on the platform).
func double(_ value: Any?) -> Double? {
    switch value {
    case let value as Double: value
    case let value as Int: Double(value)
    case let value as NSNumber: value.doubleValue
    default: nil
    }
}

/// A JSON integer as an Int.
func int(_ value: Any?) -> Int? {
    switch value {
    case let value as Int: value
    case let value as NSNumber: value.intValue
    default: nil
    }
}

/// A JSON boolean; JSONSerialization gives NSNumber on Linux.
func bool(_ value: Any?) -> Bool? {
    switch value {
    case let value as Bool: value
    case let value as NSNumber: value.boolValue
    default: nil
    }
}
