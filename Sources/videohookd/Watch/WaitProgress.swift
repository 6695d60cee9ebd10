import Foundation

/// What `submit --wait` shows at one moment: the phase, with what the watcher measures
/// beside it. The displays (``TerminalWaitDisplay``, ``PlainWaitDisplay``) render it.
struct WaitProgress: Equatable, Sendable {
    var phase: WaitPhase
    /// Bytes per second between the ledger's last two records of the download.
    var bytesPerSecond: Int64?
    /// Seconds since the wait began.
    var elapsed: TimeInterval
    /// How many times the reconciler has asked the API about the task: the answers
    /// stand in for a callback that is late or lost.
    var apiChecks: Int = 0
    /// Something the operator should act on (no `serve` running), shown while it holds.
    var warning: String?
}
