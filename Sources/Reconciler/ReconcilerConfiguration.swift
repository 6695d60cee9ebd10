import APIClient
import Ledger

/// The reconciler's timings. Every one has a default fit for production; tests shorten them.
public struct ReconcilerConfiguration: Sendable, Equatable {
    /// When a quiet task is overdue, and when asking about it stops.
    public var schedule: TaskCheckSchedule
    /// Between questions about a task that is still running (or whose question failed).
    public var overdueBackoff: CheckBackoff
    /// Between questions about an unconfirmed `completed` callback: shorter, because its
    /// video waits and its link is already running out.
    public var verificationBackoff: CheckBackoff
    /// Most tasks asked about in one pass, so a backlog cannot make one pass endless.
    public var batchSize: Int
    /// Longest sleep between passes when nothing falls due sooner.
    public var pollInterval: Double
    /// Shortest sleep between passes, so a task that stays due cannot make a busy loop.
    public var minimumInterval: Double

    public init(schedule: TaskCheckSchedule = TaskCheckSchedule(),
                overdueBackoff: CheckBackoff = CheckBackoff(base: 60, maximum: 1800),
                verificationBackoff: CheckBackoff = CheckBackoff(base: 5, maximum: 600),
                batchSize: Int = 50, pollInterval: Double = 60, minimumInterval: Double = 1) {
        self.schedule = schedule
        self.overdueBackoff = overdueBackoff
        self.verificationBackoff = verificationBackoff
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.minimumInterval = minimumInterval
    }
}
