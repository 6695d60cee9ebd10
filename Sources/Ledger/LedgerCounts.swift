import VideoAPI

/// Totals for metrics and a quick look.
public struct LedgerCounts: Sendable, Equatable {
    /// Every status, with 0 for those no task has.
    public var tasksByStatus: [TaskStatus: Int]
    /// Distinct events.
    public var events: Int
    /// Repeats of events already seen, summed.
    public var duplicates: Int
    /// Every job state, with 0 for those no job has.
    public var downloadJobsByState: [DownloadJobState: Int]
    public var unrecognizedCallbacks: Int
    public var rejectedBodies: Int

    public var tasks: Int { tasksByStatus.values.reduce(0, +) }
    public var downloadJobs: Int { downloadJobsByState.values.reduce(0, +) }
}
