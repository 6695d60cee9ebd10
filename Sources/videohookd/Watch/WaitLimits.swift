import Foundation

/// How long `submit --wait` waits, and how often it looks.
struct WaitLimits: Equatable, Sendable {
    /// Between two reads of the ledger: short, so a phase shows within a blink; a read
    /// is one indexed row or three, nothing for SQLite's WAL or PostgreSQL.
    var pollInterval: Double = 0.5
    /// Between two looks at `instances` for a live `serve`.
    var serveCheckInterval: Double = 5
    /// Stop after this long with ``SubmitExitStatus/waitTimedOut``.
    var timeout: Double
    /// Stop when no `serve` has been alive for this long (``SubmitExitStatus/noServe``):
    /// long enough for a restart, or for the operator who starts `serve` after reading
    /// the warning.
    var serveGrace: Double = WaitLimits.defaultServeGrace

    static let defaultServeGrace: Double = 60
    /// The shortest default timeout.
    static let minimumDefaultTimeout: Double = 3600
    /// What the default timeout gives the download, after the task's end.
    static let downloadBudget: Double = 1800

    /// The default `--timeout`: the task's estimated time, plus the reconciler's grace (a
    /// lost callback is asked about only then), plus half an hour for the download, and
    /// never under an hour, since the API's estimate leaves out its queue and the
    /// reconciler's backoff after the grace.
    static func defaultTimeout(estimatedTime: Int64?, reconcileGrace: Duration) -> Double {
        max(minimumDefaultTimeout, Double(max(estimatedTime ?? 0, 0)) + seconds(reconcileGrace) + downloadBudget)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
