import Foundation

/// A progress line on stderr with rate and ETA: redrawn in place on a terminal, and printed at most every
/// few seconds otherwise (logs of batch jobs stay short).
final class ProgressLine {
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let interactive = Terminal.stderrIsTerminal
    private var drawn = false

    /// Shows `message` followed by the rate and the time left for `done` of `total` items.
    func update(_ message: String, done: Int, total: Int, unit: String) {
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (interactive ? 0.1 : 5) || done >= total else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(message)  \(Int(rate.rounded())) \(unit)/s  ETA \(Self.duration(remaining))"
        if interactive {
            StandardStreams.writeError("\r\u{1B}[K\(line)")
            drawn = true
        } else {
            Terminal.note(line)
        }
    }

    /// Ends the line (on a terminal) so later output starts on a new one.
    func finish() {
        if interactive && drawn { StandardStreams.writeError("\n") }
        drawn = false
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
