import Foundation
import Outbox

/// Where an event stands across its deliveries: delivered when every one is, failed when
/// one gave up, pending otherwise (also when it has no target yet).
public enum NotificationEventStatus: String, Sendable, CaseIterable, Encodable {
    case pending, delivered, failed
}

/// One event as `videohookd events` lists it.
public struct NotificationEventRecord: Sendable, Equatable, Encodable {
    public var id: String
    public var type: NotificationEventType
    public var taskID: String
    public var createdAt: Date
    public var deliveries: [NotificationDeliveryRecord]

    public var status: NotificationEventStatus {
        if deliveries.contains(where: { $0.state == "failed" }) { return .failed }
        if !deliveries.isEmpty && deliveries.allSatisfy({ $0.state == "delivered" }) { return .delivered }
        return .pending
    }

    enum CodingKeys: String, CodingKey {
        case id, type, taskID = "task_id", createdAt = "created_at", status, deliveries
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(status, forKey: .status)
        try container.encode(deliveries, forKey: .deliveries)
    }

    init(row: SQLRow, deliveries: [NotificationDeliveryRecord]) throws {
        id = try row.text("id")
        let raw = try row.text("type")
        guard let type = NotificationEventType(rawValue: raw) else {
            throw LedgerError.readFailed(reason: "notification event \(id) has an unknown type \"\(raw)\"")
        }
        self.type = type
        taskID = try row.text("task_id")
        createdAt = try row.date("created_at")
        self.deliveries = deliveries
    }
}

/// One event's delivery to one target.
public struct NotificationDeliveryRecord: Sendable, Equatable, Encodable {
    public var target: String
    /// pending, running, delivered or failed.
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case target, state, attempts, nextAttemptAt = "next_attempt_at", lastError = "last_error"
        case finishedAt = "finished_at"
    }

    init(row: SQLRow) throws {
        target = try row.text("target")
        state = try row.text("state")
        attempts = row["attempts"]
        nextAttemptAt = try row.date("next_attempt_at")
        lastError = row["last_error"]
        finishedAt = row.optionalDate("finished_at")
    }
}

/// One attempt, for `events show`.
public struct NotificationAttemptRecord: Sendable, Equatable, Encodable {
    public var target: String
    public var attempt: Int
    public var startedAt: Date
    public var durationMilliseconds: Double
    public var outcome: String
    public var httpStatus: Int?
    public var exitCode: Int?
    public var error: String?
    public var output: String?

    enum CodingKeys: String, CodingKey {
        case target, attempt, startedAt = "started_at", durationMilliseconds = "duration_ms", outcome
        case httpStatus = "http_status", exitCode = "exit_code", error, output
    }

    init(row: SQLRow) throws {
        target = try row.text("target")
        attempt = row["attempt"]
        startedAt = try row.date("started_at")
        durationMilliseconds = row["duration_ms"]
        outcome = try row.text("outcome")
        httpStatus = row["http_status"]
        exitCode = row["exit_code"]
        error = row["error"]
        output = row["output"]
    }
}

/// `events show`: the event, its body as sent, and every attempt.
public struct NotificationEventDetail: Sendable, Equatable {
    public var event: NotificationEventRecord
    public var body: [UInt8]
    public var attempts: [NotificationAttemptRecord]
}
