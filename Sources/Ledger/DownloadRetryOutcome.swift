/// What `retry TASK_ID` did.
public enum DownloadRetryOutcome: Sendable, Equatable {
    /// The failed job is queued again, attempts back to 0.
    case requeued(DownloadJobRecord)
    /// The task has no download job (it has not completed).
    case noJob
    /// The job is not failed; nothing changed.
    case notFailed(DownloadJobRecord)
}
