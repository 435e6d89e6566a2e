#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The process's standard streams, made safe to write to whatever they are connected to.
///
/// - Messages and progress on stderr never stop the process: a full, closed or broken stderr loses them,
///   nothing more (SIGPIPE is ignored and write errors are dropped).
/// - Results on stdout must not be lost silently: when they cannot all be written (a full disk, a closed
///   descriptor), the process says so on stderr and exits with status 1 (checked when it exits, after the last
///   buffered write). A reader that stopped reading (`siamese query - | head -1`) ends the process by SIGPIPE,
///   as it ends `cat`, so pipelines stay quiet.
enum StandardStreams {
    /// Call first thing in `main`.
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        // A descriptor 0-2 that was closed by the caller would be handed to the next file opened (an input
        // file, the database), which progress output would then write into. Occupy it with /dev/null opened
        // read-only: reads see end of file, and writes fail, so a closed stdout is still reported.
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 {
            let opened = open("/dev/null", O_RDONLY)
            if opened >= 0 && opened != descriptor {
                dup2(opened, descriptor)
                close(opened)
            }
        }
        atexit { StandardStreams.checkStandardOutput() }
    }

    /// Writes `text` to stderr, ignoring every failure.
    static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = write(STDERR_FILENO, base + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// The error of the first failed flush of stdout, reported at exit.
    nonisolated(unsafe) private static var outputError: Int32 = 0

    /// Sends what was printed so far (answers of `query -` as they are found). A reader that went away ends the
    /// process now; other failures are reported at exit.
    static func flushOutput() {
        guard fflush(stdout) != 0 else { return }
        let code = errno
        if code == EPIPE { endByBrokenPipe() }
        if outputError == 0 { outputError = code }
    }

    /// Flushes stdout; if any of it could not be written, reports it and ends the process with status 1.
    static func checkStandardOutput() {
        if fflush(stdout) != 0 && outputError == 0 { outputError = errno }
        guard ferror(stdout) != 0 || outputError != 0 else { return }
        if outputError == EPIPE { endByBrokenPipe() }
        // A write that failed inside print() set the error flag but left no errno behind.
        let reason = outputError == 0 ? "" : ": " + String(cString: strerror(outputError))
        writeError("siamese: error: cannot write the output to stdout\(reason)\n")
        _exit(1)
    }

    /// Ends the process by SIGPIPE, as a write to a closed pipe does by default.
    private static func endByBrokenPipe() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)
    }
}
