/// Everything the ledger knows of one task.
public struct TaskDetail: Sendable, Equatable, Encodable {
    public var task: TaskRecord
    /// Its distinct events, oldest first.
    public var events: [EventRecord]
    /// Nil until the task completes.
    public var downloadJob: DownloadJobRecord?
    /// The video's upload to a bucket, when the archive is one.
    public var objectUpload: ObjectUploadRecord?
}
