import Archive
import Foundation

/// A task's upload of its video to a bucket, with how far it got: what the upload
/// pipeline resumes from and what `show` prints.
public struct ObjectUploadRecord: Sendable, Equatable, Encodable {
    public var taskID: String
    public var bucket: String
    public var key: String
    /// The multipart upload's id; nil for a single PutObject.
    public var uploadID: String?
    public var partSize: Int64
    public var state: ObjectUploadState
    /// The video's length, once known (the upload starts while it downloads).
    public var bytesTotal: Int64?
    /// What HeadObject answered, once verified.
    public var etag: String?
    public var versionID: String?
    /// The last refusal (bad credentials, a 5xx), kept until the object is verified.
    public var lastError: String?
    /// Refusals so far, for the backoff.
    public var attempts: Int
    /// After a refusal: not before this time.
    public var nextAttemptAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?
    public var verifiedAt: Date?
    /// Parts recorded and their bytes: the progress of a multipart upload.
    public var partsCount: Int
    public var bytesUploaded: Int64

    /// `s3://bucket/key`.
    public var url: String { ArchivedObject.url(bucket: bucket, key: key) }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", bucket, key, url, uploadID = "upload_id", partSize, state, bytesTotal, etag
        case versionID = "version_id", lastError, attempts, nextAttemptAt, createdAt, updatedAt, completedAt
        case verifiedAt, partsCount, bytesUploaded
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(bucket, forKey: .bucket)
        try container.encode(key, forKey: .key)
        try container.encode(url, forKey: .url)
        try container.encode(uploadID, forKey: .uploadID)
        try container.encode(partSize, forKey: .partSize)
        try container.encode(state, forKey: .state)
        try container.encode(bytesTotal, forKey: .bytesTotal)
        try container.encode(etag, forKey: .etag)
        try container.encode(versionID, forKey: .versionID)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(verifiedAt, forKey: .verifiedAt)
        try container.encode(partsCount, forKey: .partsCount)
        try container.encode(bytesUploaded, forKey: .bytesUploaded)
    }

    /// A row of ``selectSQL``.
    init(row: SQLRow) throws {
        taskID = try row.text("task_id")
        bucket = try row.text("bucket")
        key = try row.text("object_key")
        uploadID = row["upload_id"]
        partSize = row["part_size"]
        let rawState = try row.text("state")
        guard let state = ObjectUploadState(rawValue: rawState) else {
            throw LedgerError.readFailed(reason: "column state holds an unknown upload state \"\(rawState)\"")
        }
        self.state = state
        bytesTotal = row["bytes_total"]
        etag = row["etag"]
        versionID = row["version_id"]
        lastError = row["last_error"]
        attempts = row["attempts"]
        nextAttemptAt = row.optionalDate("next_attempt_at")
        createdAt = try row.date("created_at")
        updatedAt = try row.date("updated_at")
        completedAt = row.optionalDate("completed_at")
        verifiedAt = row.optionalDate("verified_at")
        partsCount = row["parts_count"]
        bytesUploaded = row["bytes_uploaded"]
    }

    /// One task's upload with its parts' count and bytes.
    static let selectSQL = """
        SELECT u.*,
               (SELECT count(*) FROM object_upload_parts p WHERE p.task_id = u.task_id) AS parts_count,
               (SELECT coalesce(sum(p.bytes), 0) FROM object_upload_parts p WHERE p.task_id = u.task_id) AS bytes_uploaded
        FROM object_uploads u WHERE u.task_id = ?
        """

    static func fetch(taskID: String, in db: any LedgerDatabase) throws -> ObjectUploadRecord? {
        try db.fetchOne(sql: selectSQL, arguments: [taskID]).map(ObjectUploadRecord.init(row:))
    }
}
