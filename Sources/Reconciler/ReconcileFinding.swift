import APIClient
import Foundation
import Ledger
import VideoAPI

/// What one question to the video API about one task found, and what was done with it:
/// a line of `videohookd reconcile` and of the log.
public struct ReconcileFinding: Sendable, Equatable, Encodable {
    public enum Outcome: String, Sendable, Equatable, CaseIterable, Encodable {
        /// The API confirmed a `completed` callback; the download is queued from its URLs.
        case verified
        /// The API contradicted a `completed` callback; its URLs are not downloaded.
        case contradicted
        /// The API has not finished the task a `completed` callback said was done: ask again.
        case awaitingAPI = "awaiting-api"
        /// The API's answer moved the task to a new state (a lost callback, found).
        case advanced
        /// The task is still pending or processing at the API: ask again later.
        case stillRunning = "still-running"
        /// The API's answer changed nothing the ledger did not know.
        case unchanged
        /// The API knows no such task: asking stops.
        case unknownToAPI = "unknown-to-api"
        /// The question failed (no answer, an error answer): ask again later.
        case askFailed = "ask-failed"
        /// The link would have expired: asking stops, nothing more can be saved.
        case gaveUp = "gave-up"
    }

    public var taskID: TaskID
    public var reason: TaskCheck.Reason
    /// The task's status in the ledger before the question.
    public var ledgerStatus: TaskStatus
    /// What the API said, when it answered with a task.
    public var apiStatus: TaskStatus?
    public var outcome: Outcome
    /// Whether this question queued the task's download.
    public var downloadQueued: Bool
    /// A sentence on what was found.
    public var note: String
    /// When the task will be asked about again; nil when asking has stopped.
    public var nextCheckAt: Date?

    public init(taskID: TaskID, reason: TaskCheck.Reason, ledgerStatus: TaskStatus, apiStatus: TaskStatus? = nil,
                outcome: Outcome, downloadQueued: Bool = false, note: String, nextCheckAt: Date? = nil) {
        self.taskID = taskID
        self.reason = reason
        self.ledgerStatus = ledgerStatus
        self.apiStatus = apiStatus
        self.outcome = outcome
        self.downloadQueued = downloadQueued
        self.note = note
        self.nextCheckAt = nextCheckAt
    }

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", reason, ledgerStatus = "ledger_status", apiStatus = "api_status", outcome
        case downloadQueued = "download_queued", note, nextCheckAt = "next_check_at"
    }
}
