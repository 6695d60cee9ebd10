import Foundation
import VideoAPI

/// One distinct event of a task, with how often and when it was seen.
public struct EventRecord: Sendable, Equatable {
    public var id: Int64
    public var taskID: String
    public var status: TaskStatus
    public var results: [String]
    public var progress: Int?
    public var firstSeen: Date
    public var lastSeen: Date
    /// Times seen again after the first.
    public var duplicateCount: Int
    /// Whether the event moved the task's state when first seen; false for an older or
    /// second terminal status, which is recorded and ignored.
    public var applied: Bool
    public var peer: String
    public var rawBody: Data

    init(row: SQLRow) throws {
        id = row["id"]
        taskID = try row.text("task_id")
        status = try row.taskStatus("status")
        let key = try row.text("results_key")
        results = key.isEmpty ? [] : key.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        progress = row["progress"]
        firstSeen = try row.date("first_seen")
        lastSeen = try row.date("last_seen")
        duplicateCount = row["duplicate_count"]
        applied = row["applied"]
        peer = try row.text("peer")
        rawBody = row["raw_body"] ?? Data()
    }
}

extension EventRecord: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, taskID = "task_id", status, results, progress, firstSeen, lastSeen
        case duplicateCount, applied, peer, body
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(taskID, forKey: .taskID)
        try container.encode(status, forKey: .status)
        try container.encode(results, forKey: .results)
        try container.encode(progress, forKey: .progress)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(duplicateCount, forKey: .duplicateCount)
        try container.encode(applied, forKey: .applied)
        try container.encode(peer, forKey: .peer)
        try container.encode(StoredBody.json(rawBody), forKey: .body)
    }
}
