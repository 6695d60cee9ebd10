import Foundation
import VideoAPI

/// A task's row: its last accepted state.
public struct TaskRecord: Sendable, Equatable {
    public var id: String
    public var status: TaskStatus
    public var progress: Int?
    /// Result URLs of the accepted state, the video first.
    public var results: [String]
    public var errorCode: String?
    public var errorMessage: String?
    /// The API's `created`, unix seconds.
    public var created: Int64?
    public var model: String?
    public var firstSeen: Date
    public var lastSeen: Date
    /// The raw body of the accepted state.
    public var lastBody: Data?
    public var submittedByUs: Bool
    /// The create request `videohookd submit` sent, callback token replaced by `<token>`.
    public var requestJSON: String?
    /// `task_info.estimated_time`, seconds, when a body said it.
    public var estimatedTime: Int64?
    /// Whether the video API confirmed the `completed` callback; nil until it completes.
    public var verification: TaskVerification?
    public var verificationNote: String?
    /// The reconciler's questions to the API about this task.
    public var checkAttempts: Int
    public var nextCheckAt: Date?
    public var lastCheckedAt: Date?
    public var lastCheckNote: String?
    public var checksEndedAt: Date?

    init(row: SQLRow) throws {
        id = try row.text("id")
        status = try row.taskStatus("status")
        progress = row["progress"]
        results = try row.results("results")
        errorCode = row["error_code"]
        errorMessage = row["error_message"]
        created = row["created"]
        model = row["model"]
        firstSeen = try row.date("first_seen")
        lastSeen = try row.date("last_seen")
        lastBody = row["last_body"]
        submittedByUs = row["submitted_by_us"] ?? false
        requestJSON = row["request_json"]
        estimatedTime = row["estimated_time"]
        verification = try (row["verification"] as String?).map { raw in
            guard let value = TaskVerification(rawValue: raw) else {
                throw LedgerError.readFailed(reason: "column verification holds an unknown value \"\(raw)\"")
            }
            return value
        }
        verificationNote = row["verification_note"]
        checkAttempts = row["check_attempts"] ?? 0
        nextCheckAt = row.optionalDate("next_check_at")
        lastCheckedAt = row.optionalDate("last_checked_at")
        lastCheckNote = row["last_check_note"]
        checksEndedAt = row.optionalDate("checks_ended_at")
    }
}

extension TaskRecord: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, status, progress, results, errorCode, errorMessage, created, model
        case firstSeen, lastSeen, lastBody, submittedByUs, request, estimatedTime, verification, verificationNote
        case checkAttempts, nextCheckAt, lastCheckedAt, lastCheckNote, checksEndedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(progress, forKey: .progress)
        try container.encode(results, forKey: .results)
        try container.encode(errorCode, forKey: .errorCode)
        try container.encode(errorMessage, forKey: .errorMessage)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(lastBody.map(StoredBody.json), forKey: .lastBody)
        try container.encode(submittedByUs, forKey: .submittedByUs)
        try container.encode(requestJSON.map { StoredBody.json(Data($0.utf8)) }, forKey: .request)
        try container.encode(estimatedTime, forKey: .estimatedTime)
        try container.encode(verification, forKey: .verification)
        try container.encode(verificationNote, forKey: .verificationNote)
        try container.encode(checkAttempts, forKey: .checkAttempts)
        try container.encode(nextCheckAt, forKey: .nextCheckAt)
        try container.encode(lastCheckedAt, forKey: .lastCheckedAt)
        try container.encode(lastCheckNote, forKey: .lastCheckNote)
        try container.encode(checksEndedAt, forKey: .checksEndedAt)
    }
}
