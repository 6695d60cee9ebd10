import Glibc

/// Writes to file descriptor 1 at once, after whatever `print` left in the C library's
/// buffer (a pipe's is flushed only when full): the task id `submit` prints, then the
/// wait's lines, in order and as they happen. A reader that went away (`| head -1`)
/// only loses the rest: SIGPIPE is ignored while the signal watcher runs.
enum StandardOutput {
    static func write(_ text: String) {
        fflush(nil)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Whether stdout is a terminal that can take a redrawn line: a bar written into a
    /// pipe or a file would be `\r`-separated noise, and `TERM=dumb` says no.
    static func isInteractiveTerminal(environment: [String: String]) -> Bool {
        isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }
}
