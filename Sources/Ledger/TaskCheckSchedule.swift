/// When the reconciler asks the video API about a task, as the ledger's queries need it.
public struct TaskCheckSchedule: Sendable, Equatable {
    /// Added to `created + estimated time` before a quiet task counts as overdue: the
    /// callback may simply be on its way.
    public var grace: Double
    /// Assumed when no body said how long the task takes (`task_info.estimated_time`).
    public var defaultEstimatedTime: Double
    /// How long a video link lasts, from `created`. Past it the reconciler stops asking:
    /// an answer could only name a link that has expired.
    public var linkLifetime: Double

    public init(grace: Double = 120, defaultEstimatedTime: Double = 300, linkLifetime: Double = 86_400) {
        self.grace = grace
        self.defaultEstimatedTime = defaultEstimatedTime
        self.linkLifetime = linkLifetime
    }
}
