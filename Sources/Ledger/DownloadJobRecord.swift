import Foundation

/// A completed task's download job.
public struct DownloadJobRecord: Sendable, Equatable, Encodable {
    public var taskID: String
    public var state: DownloadJobState
    public var sourceURL: String
    /// When the link expires: the task's `created` plus 24 hours.
    public var deadline: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var bytesDone: Int64
    /// The partial file's first bytes released from the disk once the archive
    /// destination held them elsewhere (a bucket's recorded parts): they read as zeros,
    /// so a resume needs the destination's digest state covering them, or starts over.
    /// Never more than `bytesDone`.
    public var bytesReleased: Int64
    public var bytesTotal: Int64?
    public var lastError: String?
    public var archivePath: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The strong ETag of the response being resumed, sent back in `If-Range`.
    public var etag: String?
    /// Its Last-Modified, the validator used when there is no strong ETag.
    public var lastModified: String?
    public var contentType: String?
    /// Hex SHA-256 of the archived video, once done.
    public var sha256: String?
    /// The partial file while the download is under way.
    public var partialPath: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// For an object archive (`archivePath` is `s3://bucket/key`): its ETag and version
    /// id as HeadObject gave them; nil for a file.
    public var objectETag: String?
    public var objectVersionID: String?
    /// The instance running it (`instances.id`) while `running`; nil otherwise.
    public var owner: String?
    /// Until when its owner holds it; past this, another instance may take it over.
    public var leaseUntil: Date?
    /// The archive folder (its `.partial-id`) whose partial file holds `bytesDone`.
    public var partialArchive: String?

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", state, sourceURL = "source_url", deadline, attempts, nextAttemptAt
        case bytesDone, bytesReleased, bytesTotal, lastError, archivePath, createdAt, updatedAt
        case etag, lastModified, contentType, sha256, partialPath, startedAt, finishedAt
        case objectETag = "object_etag", objectVersionID = "object_version_id"
        case owner, leaseUntil, partialArchive
    }

    init(row: SQLRow) throws {
        taskID = try row.text("task_id")
        state = try row.jobState("state")
        sourceURL = try row.text("source_url")
        deadline = try row.date("deadline")
        attempts = row["attempts"]
        nextAttemptAt = try row.date("next_attempt_at")
        bytesDone = row["bytes_done"]
        bytesReleased = row["bytes_released"]
        bytesTotal = row["bytes_total"]
        lastError = row["last_error"]
        archivePath = row["archive_path"]
        createdAt = try row.date("created_at")
        updatedAt = try row.date("updated_at")
        etag = row["etag"]
        lastModified = row["last_modified"]
        contentType = row["content_type"]
        sha256 = row["sha256"]
        partialPath = row["partial_path"]
        startedAt = row.optionalDate("started_at")
        finishedAt = row.optionalDate("finished_at")
        objectETag = row["object_etag"]
        objectVersionID = row["object_version_id"]
        owner = row["owner"]
        leaseUntil = row.optionalDate("lease_until")
        partialArchive = row["partial_archive"]
    }
}
