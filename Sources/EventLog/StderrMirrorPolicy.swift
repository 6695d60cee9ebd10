#if canImport(Glibc)
import Glibc
#endif

/// Decides whether log lines should also go to standard error.
///
/// An operator running the daemon by hand wants to see the lines on the terminal, and
/// under systemd standard error is the journal (`journalctl -u videohookd`). Anywhere
/// else (a pipe, a file, /dev/null) the log file is enough.
public enum StderrMirrorPolicy {
    /// The variables systemd sets for a service: `JOURNAL_STREAM` when standard error is
    /// connected to the journal, `INVOCATION_ID` for every unit it starts.
    public static let systemdVariables = ["JOURNAL_STREAM", "INVOCATION_ID"]

    public static func shouldMirror(environment: [String: String], stderrIsTerminal: Bool) -> Bool {
        if stderrIsTerminal { return true }
        return systemdVariables.contains { name in
            guard let value = environment[name] else { return false }
            return !value.isEmpty
        }
    }

    /// The decision for this process: its environment and its real standard error.
    public static func shouldMirrorThisProcess(environment: [String: String]) -> Bool {
        shouldMirror(environment: environment, stderrIsTerminal: isatty(STDERR_FILENO) == 1)
    }
}
