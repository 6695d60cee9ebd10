/// Everything the ledger knows of one task: its story, as `show` and the archive page
/// tell it.
public struct TaskDetail: Sendable, Equatable, Encodable {
    public var task: TaskRecord
    /// Its distinct events, oldest first, each with its duplicate count and peer.
    public var events: [EventRecord]
    /// Nil until the task completes.
    public var downloadJob: DownloadJobRecord?
    /// Every download attempt that ended, oldest first, with why.
    public var downloadAttempts: [DownloadAttemptRecord]
    /// The video's upload to a bucket, when the archive is one.
    public var objectUpload: ObjectUploadRecord?
    /// Its notification events, oldest first, each with its deliveries.
    public var notifications: [NotificationEventRecord]

    /// The prompt, for a task submitted here.
    public var prompt: String? {
        task.submittedByUs ? TaskRequestFacts.prompt(requestJSON: task.requestJSON) : nil
    }

    /// The video's length in seconds, when the API said it or the request asked for it.
    public var videoDuration: Double? {
        TaskRequestFacts.videoDuration(lastBody: task.lastBody, requestJSON: task.requestJSON)
    }
}
