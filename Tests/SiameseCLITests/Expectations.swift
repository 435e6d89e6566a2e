import Testing

/// Expects `result` to be a failure reported by siamese: exit 1, nothing on stdout, and exactly
/// `siamese: error: MESSAGE` on stderr.
func expectError(_ result: CommandResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.exitCode == 1, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr == "siamese: error: \(message)\n", sourceLocation: sourceLocation)
    #expect(result.stdout == "", sourceLocation: sourceLocation)
}

/// Expects `result` to be ArgumentParser's usage error for `command`: exit 64 (EX_USAGE), nothing on stdout,
/// `siamese: error: MESSAGE` first on stderr, and the command's usage with a pointer to its help last.
func expectUsageError(_ result: CommandResult, command: String, _ message: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.exitCode == 64, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stdout == "", sourceLocation: sourceLocation)
    let lines = result.stderrLines
    #expect(lines.first == "siamese: error: \(message)", sourceLocation: sourceLocation)
    #expect(lines.contains { $0.hasPrefix("Usage: siamese \(command) ") }, "\(result)", sourceLocation: sourceLocation)
    #expect(lines.last == "  See 'siamese \(command) --help' for more information.", sourceLocation: sourceLocation)
}

/// Expects answers ranked 1, 2, … with scores that are cosines (4 decimals, within [-1, 1]), best first.
func expectRanked(_ matches: [MatchLine], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(matches.map(\.rank) == (0..<matches.count).map { $0 + 1 }, sourceLocation: sourceLocation)
    for match in matches {
        #expect((-1...1).contains(match.score), "\(match)", sourceLocation: sourceLocation)
    }
    #expect(matches.map(\.score) == matches.map(\.score).sorted(by: >), sourceLocation: sourceLocation)
}
