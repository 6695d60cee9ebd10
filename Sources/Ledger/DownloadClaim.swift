import Foundation

/// A download job a worker has taken (`running` now), with what it needs of the task:
/// its creation time for the archive folder, its body for the sidecar, its result URLs.
public struct DownloadClaim: Sendable, Equatable {
    public var job: DownloadJobRecord
    /// The API's `created`, unix seconds; nil when no body carried it.
    public var taskCreated: Int64?
    /// The raw body of the task's accepted state.
    public var taskBody: Data?
    /// Every result URL, the video first.
    public var results: [String]
    /// The instance that was running this job when its lease lapsed and this claim took
    /// it over; nil for a queued job.
    public var takenOverFrom: String?

    public init(job: DownloadJobRecord, taskCreated: Int64?, taskBody: Data?, results: [String],
                takenOverFrom: String? = nil) {
        self.job = job
        self.taskCreated = taskCreated
        self.taskBody = taskBody
        self.results = results
        self.takenOverFrom = takenOverFrom
    }
}
