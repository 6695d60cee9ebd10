import Foundation
import Ledger

/// One task of `GET /api/v1/tasks` (docs/openapi.json, `TaskSummary`). Here and in
/// every API type a field with no value is left out rather than sent as null.
struct TaskJSON: Encodable {
    var id: String
    var status: String
    var progress: Int?
    var created: Date?
    var firstSeen: Date
    var lastSeen: Date
    var model: String?
    var errorCode: String?
    var submittedHere: Bool
    var prompt: String?
    var video: VideoJSON
    var download: DownloadProgressJSON?
    var links: LinksJSON

    enum CodingKeys: String, CodingKey {
        case id, status, progress, created, firstSeen = "first_seen", lastSeen = "last_seen", model
        case errorCode = "error_code", submittedHere = "submitted_here", prompt, video, download, links
    }
}

extension TaskJSON {
    init(_ item: TaskListItem) {
        id = item.id
        status = item.status.rawValue
        progress = item.progress
        created = item.created.map { Date(timeIntervalSince1970: Double($0)) }
        firstSeen = item.firstSeen
        lastSeen = item.lastSeen
        model = item.model
        errorCode = item.errorCode
        submittedHere = item.submittedByUs
        prompt = item.prompt
        video = VideoJSON(durationSeconds: item.videoDuration, bytes: item.download?.archivedBytes,
                          contentType: item.download?.state == .done ? item.download?.contentType : nil)
        download = item.download.map(DownloadProgressJSON.init)
        links = LinksJSON(taskID: item.id, archived: item.download?.state == .done)
    }
}

struct VideoJSON: Encodable {
    /// Seconds, as the API reported or the request asked.
    var durationSeconds: Double?
    /// The archived video's size; nil until archived.
    var bytes: Int64?
    var contentType: String?

    enum CodingKeys: String, CodingKey {
        case durationSeconds = "duration_seconds", bytes, contentType = "content_type"
    }
}

/// A download's state and progress: what a page polls while it runs.
struct DownloadProgressJSON: Encodable {
    var state: String
    var bytesDone: Int64
    var bytesTotal: Int64?
    /// 0 to 100 once the length is known.
    var percent: Int?
    var lastError: String?

    enum CodingKeys: String, CodingKey {
        case state, bytesDone = "bytes_done", bytesTotal = "bytes_total", percent, lastError = "last_error"
    }

    init(_ progress: DownloadProgress) {
        state = progress.state.rawValue
        bytesDone = progress.bytesDone
        bytesTotal = progress.bytesTotal
        percent = progress.bytesTotal.map { total in
            total > 0 ? Int(min(100, progress.bytesDone * 100 / total)) : (progress.state == .done ? 100 : 0)
        }
        lastError = progress.lastError
    }
}

struct LinksJSON: Encodable {
    /// The task's own URL (`self` in the JSON).
    var task: String
    /// Nil until the video is archived.
    var video: String?

    init(taskID: String, archived: Bool) {
        task = "/api/v1/tasks/\(taskID)"
        video = archived ? "/api/v1/tasks/\(taskID)/video" : nil
    }

    enum CodingKeys: String, CodingKey { case task = "self", video }
}

/// `GET /api/v1/tasks`: a page and where the next one starts.
struct TaskPageJSON: Encodable {
    var tasks: [TaskJSON]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey { case tasks, nextCursor = "next_cursor" }
}
