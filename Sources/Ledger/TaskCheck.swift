import Foundation
import VideoAPI

/// A task the daemon should ask the video API about now, and why.
public struct TaskCheck: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable, Codable {
        /// A `completed` callback waits for the API to confirm it before its download.
        case verification
        /// No terminal state yet, and past its expected end: the callback may be lost.
        case overdue
    }

    public var taskID: TaskID
    public var reason: Reason
    /// The task's accepted status in the ledger.
    public var status: TaskStatus
    /// The API's `created`, unix seconds; nil when no body carried it.
    public var created: Int64?
    public var firstSeen: Date
    public var estimatedTime: Int64?
    /// The accepted state's result URLs, the video first: for a verification, what the
    /// callback claimed.
    public var results: [String]
    /// Questions asked about this task so far, for its backoff.
    public var attempts: Int
    public var submittedByUs: Bool

    /// When the task started, as far as the ledger knows: `created`, else first seen.
    public var startedAt: Date {
        created.map { Date(timeIntervalSince1970: Double($0)) } ?? firstSeen
    }
}
