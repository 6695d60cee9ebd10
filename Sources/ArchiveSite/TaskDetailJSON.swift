import Foundation
import Ledger

/// `GET /api/v1/tasks/{id}`: the task's whole story (docs/openapi.json, `TaskDetail`).
struct TaskDetailJSON: Encodable {
    var task: TaskJSON
    var results: [String]
    var error: ErrorJSON?
    var verification: VerificationJSON?
    var events: [EventJSON]
    var download: DownloadJSON?
    var downloadAttempts: [AttemptJSON]
    var objectUpload: ObjectUploadJSON?
    var notifications: [NotificationJSON]

    enum CodingKeys: String, CodingKey {
        case task, results, error, verification, events, download, downloadAttempts = "download_attempts"
        case objectUpload = "object_upload", notifications
    }

    init(_ detail: TaskDetail) {
        let record = detail.task
        let job = detail.downloadJob
        let progress = job.map {
            DownloadProgress(state: $0.state, bytesDone: $0.bytesDone, bytesTotal: $0.bytesTotal,
                             archivePath: $0.archivePath, contentType: $0.contentType, lastError: $0.lastError)
        }
        task = TaskJSON(id: record.id, status: record.status.rawValue, progress: record.progress,
                        created: record.created.map { Date(timeIntervalSince1970: Double($0)) },
                        firstSeen: record.firstSeen, lastSeen: record.lastSeen, model: record.model,
                        errorCode: record.errorCode, submittedHere: record.submittedByUs, prompt: detail.prompt,
                        video: VideoJSON(durationSeconds: detail.videoDuration, bytes: progress?.archivedBytes,
                                         contentType: job?.state == .done ? job?.contentType : nil),
                        download: progress.map(DownloadProgressJSON.init),
                        links: LinksJSON(taskID: record.id, archived: job?.state == .done))
        results = record.results.map(Self.withoutQuery)
        error = record.errorCode == nil && record.errorMessage == nil
            ? nil : ErrorJSON(code: record.errorCode, message: record.errorMessage)
        verification = record.verification.map { VerificationJSON(state: $0.rawValue, note: record.verificationNote) }
        events = detail.events.map(EventJSON.init)
        download = job.map(DownloadJSON.init)
        downloadAttempts = detail.downloadAttempts.map(AttemptJSON.init)
        objectUpload = detail.objectUpload.map(ObjectUploadJSON.init)
        notifications = detail.notifications.map { NotificationJSON($0, taskID: record.id) }
    }

    /// A video link without its query, where the CDN's signature lives.
    static func withoutQuery(_ url: String) -> String {
        url.firstIndex(where: { $0 == "?" || $0 == "#" }).map { String(url[..<$0]) } ?? url
    }
}

struct ErrorJSON: Encodable {
    var code: String?
    var message: String?
}

struct VerificationJSON: Encodable {
    /// pending, verified, unverified or contradicted.
    var state: String
    var note: String?
}

/// One distinct callback event: seen `seen_count` times (1 + duplicates).
struct EventJSON: Encodable {
    var status: String
    var applied: Bool
    var progress: Int?
    var results: [String]
    var firstSeen: Date
    var lastSeen: Date
    var duplicateCount: Int
    var peer: String

    enum CodingKeys: String, CodingKey {
        case status, applied, progress, results, firstSeen = "first_seen", lastSeen = "last_seen"
        case duplicateCount = "duplicate_count", peer
    }

    init(_ event: EventRecord) {
        status = event.status.rawValue
        applied = event.applied
        progress = event.progress
        results = event.results.map(TaskDetailJSON.withoutQuery)
        firstSeen = event.firstSeen
        lastSeen = event.lastSeen
        duplicateCount = event.duplicateCount
        peer = event.peer
    }
}

struct DownloadJSON: Encodable {
    var state: String
    var source: String
    var deadline: Date
    var attempts: Int
    var nextAttemptAt: Date?
    var bytesDone: Int64
    var bytesTotal: Int64?
    var percent: Int?
    var lastError: String?
    /// The archived file's path, or `s3://bucket/key`.
    var archive: String?
    var sha256: String?
    var contentType: String?
    var startedAt: Date?
    var finishedAt: Date?
    var objectETag: String?
    var objectVersionID: String?

    enum CodingKeys: String, CodingKey {
        case state, source, deadline, attempts, nextAttemptAt = "next_attempt_at", bytesDone = "bytes_done"
        case bytesTotal = "bytes_total", percent, lastError = "last_error", archive, sha256
        case contentType = "content_type", startedAt = "started_at", finishedAt = "finished_at"
        case objectETag = "object_etag", objectVersionID = "object_version_id"
    }

    init(_ job: DownloadJobRecord) {
        state = job.state.rawValue
        source = TaskDetailJSON.withoutQuery(job.sourceURL)
        deadline = job.deadline
        attempts = job.attempts
        nextAttemptAt = job.state == .queued ? job.nextAttemptAt : nil
        bytesDone = job.bytesDone
        bytesTotal = job.bytesTotal
        percent = DownloadProgressJSON(DownloadProgress(state: job.state, bytesDone: job.bytesDone, bytesTotal: job.bytesTotal,
                                                        archivePath: nil, contentType: nil, lastError: nil)).percent
        lastError = job.lastError
        archive = job.archivePath
        sha256 = job.sha256
        contentType = job.contentType
        startedAt = job.startedAt
        finishedAt = job.finishedAt
        objectETag = job.objectETag
        objectVersionID = job.objectVersionID
    }
}

struct AttemptJSON: Encodable {
    var attempt: Int
    var endedAt: Date
    /// retry, failed or done.
    var outcome: String
    var reason: String?
    var bytesDone: Int64

    enum CodingKeys: String, CodingKey {
        case attempt, endedAt = "ended_at", outcome, reason, bytesDone = "bytes_done"
    }

    init(_ attempt: DownloadAttemptRecord) {
        self.attempt = attempt.attempt
        endedAt = attempt.endedAt
        outcome = attempt.outcome.rawValue
        reason = attempt.reason
        bytesDone = attempt.bytesDone
    }
}

struct ObjectUploadJSON: Encodable {
    var bucket: String
    var key: String
    /// uploading, completed or verified.
    var state: String
    var lastError: String?

    enum CodingKeys: String, CodingKey { case bucket, key, state, lastError = "last_error" }

    init(_ upload: ObjectUploadRecord) {
        bucket = upload.bucket
        key = upload.key
        state = upload.state.rawValue
        lastError = upload.lastError
    }
}

/// A notification event with its deliveries, and the action that sends it again.
struct NotificationJSON: Encodable {
    var id: String
    var type: String
    var createdAt: Date
    /// pending, delivered or failed, across its deliveries.
    var status: String
    var deliveries: [DeliveryJSON]
    var links: ReplayLinkJSON

    enum CodingKeys: String, CodingKey { case id, type, createdAt = "created_at", status, deliveries, links }

    init(_ event: NotificationEventRecord, taskID: String) {
        id = event.id
        type = event.type.rawValue
        createdAt = event.createdAt
        status = event.status.rawValue
        deliveries = event.deliveries.map(DeliveryJSON.init)
        links = ReplayLinkJSON(replay: "/api/v1/tasks/\(taskID)/notifications/\(event.id)/replay")
    }
}

struct ReplayLinkJSON: Encodable {
    var replay: String
}

struct DeliveryJSON: Encodable {
    /// `webhook <url>` or `command <argv>`.
    var target: String
    var state: String
    var attempts: Int
    var nextAttemptAt: Date?
    var lastError: String?
    var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case target, state, attempts, nextAttemptAt = "next_attempt_at", lastError = "last_error"
        case finishedAt = "finished_at"
    }

    init(_ delivery: NotificationDeliveryRecord) {
        target = delivery.target
        state = delivery.state
        attempts = delivery.attempts
        nextAttemptAt = delivery.state == "pending" ? delivery.nextAttemptAt : nil
        lastError = delivery.lastError
        finishedAt = delivery.finishedAt
    }
}
