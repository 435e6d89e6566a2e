import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process that runs an unfinished training run or re-embedding, stored as "HOST PID" with its model, so
/// that a run whose process is gone (killed, crashed) can be told from one still running.
struct RunOwner: Equatable {
    var host: String
    var pid: Int32

    /// This process.
    static var current: RunOwner {
        RunOwner(host: ProcessInfo.processInfo.hostName, pid: getpid())
    }

    /// "HOST PID".
    var stored: String { "\(host) \(pid)" }

    /// Parses "HOST PID"; nil for anything else (a run from before schema 0010, or a value changed by hand).
    init?(stored: String) {
        guard let space = stored.lastIndex(of: " "), let pid = Int32(stored[stored.index(after: space)...]), pid > 0
        else { return nil }
        self.init(host: String(stored[..<space]), pid: pid)
    }

    init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    /// Whether the process is certainly gone: it ran on this host and no process has its id. A process on
    /// another host (a shared file system) cannot be checked and counts as alive.
    var isGone: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }
}
