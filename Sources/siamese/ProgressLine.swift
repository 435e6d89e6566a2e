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

    /// For a stream of unknown length: shows `message` with the rate of `done` items and, when the fraction of
    /// the input read so far is known, the time left at that pace.
    func update(_ message: String, done: Int, fraction: Double?, unit: String) {
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (interactive ? 0.1 : 5) else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(message)  \(Int(rate.rounded())) \(unit)/s"
        if let fraction, fraction > 0 { line += "  ETA \(Self.duration(elapsed * (1 - min(fraction, 1)) / fraction))" }
        if interactive {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
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
