import Foundation
import VideoAPI

/// One line of the archive's task list: the task, what it was asked to be, and where
/// its video stands.
public struct TaskListItem: Sendable, Equatable {
    public var id: String
    public var status: TaskStatus
    /// The API's progress, 0 to 100, as last sent.
    public var progress: Int?
    /// The API's `created`, unix seconds.
    public var created: Int64?
    public var firstSeen: Date
    public var lastSeen: Date
    public var model: String?
    public var errorCode: String?
    public var submittedByUs: Bool
    /// The prompt, for a task submitted here; nil otherwise.
    public var prompt: String?
    /// The video's length in seconds, when the API said it or the request asked for it.
    public var videoDuration: Double?
    /// The download, once the task completed.
    public var download: DownloadProgress?

    init(row: SQLRow) throws {
        id = try row.text("id")
        status = try row.taskStatus("status")
        progress = row["progress"]
        created = row["created"]
        firstSeen = try row.date("first_seen")
        cursor = TaskListCursor(firstSeen: row["first_seen"], id: id)
        lastSeen = try row.date("last_seen")
        model = row["model"]
        errorCode = row["error_code"]
        submittedByUs = row["submitted_by_us"] ?? false
        let request: String? = row["request_json"]
        prompt = submittedByUs ? TaskRequestFacts.prompt(requestJSON: request) : nil
        videoDuration = TaskRequestFacts.videoDuration(lastBody: row["last_body"], requestJSON: request)
        download = try (row["download_state"] as String?).map { _ in
            DownloadProgress(state: try row.jobState("download_state"), bytesDone: row["bytes_done"] ?? 0,
                             bytesTotal: row["bytes_total"], archivePath: row["archive_path"],
                             contentType: row["content_type"], lastError: row["last_error"])
        }
    }

    /// Where the list's order puts this task: the next page starts after it. Made from
    /// the stored value itself: a `Date` does not give every double back bit for bit.
    public var cursor: TaskListCursor
}

/// A download job's state and progress, as the list and the live progress show it.
public struct DownloadProgress: Sendable, Equatable {
    public var state: DownloadJobState
    public var bytesDone: Int64
    /// The video's length once a response said it; after archiving, its size.
    public var bytesTotal: Int64?
    /// The archived file's path, or `s3://bucket/key`, once done.
    public var archivePath: String?
    public var contentType: String?
    public var lastError: String?

    public init(state: DownloadJobState, bytesDone: Int64, bytesTotal: Int64?, archivePath: String?,
                contentType: String?, lastError: String?) {
        self.state = state
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.archivePath = archivePath
        self.contentType = contentType
        self.lastError = lastError
    }

    /// The video's size once archived.
    public var archivedBytes: Int64? { state == .done ? bytesTotal ?? bytesDone : nil }
}
