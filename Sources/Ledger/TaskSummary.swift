import Foundation
import VideoAPI

/// One line of the task list.
public struct TaskSummary: Sendable, Equatable, Encodable {
    public var id: String
    public var status: TaskStatus
    public var progress: Int?
    /// The API's `created`, unix seconds.
    public var created: Int64?
    public var model: String?
    public var errorCode: String?
    public var firstSeen: Date
    public var lastSeen: Date
    /// Nil when the task has no download job (it has not completed).
    public var downloadState: DownloadJobState?

    init(row: SQLRow) throws {
        id = try row.text("id")
        status = try row.taskStatus("status")
        progress = row["progress"]
        created = row["created"]
        model = row["model"]
        errorCode = row["error_code"]
        firstSeen = try row.date("first_seen")
        lastSeen = try row.date("last_seen")
        downloadState = try (row["download_state"] as String?).map { _ in try row.jobState("download_state") }
    }
}
