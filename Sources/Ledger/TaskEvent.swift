import Foundation
import VideoAPI

/// A validated task body as it arrived: the thing the ledger dedups and applies.
public struct TaskEvent: Sendable {
    public var task: ValidatedTask
    /// Who sent it (`address:port`, or `api` for the video API's own answer), for the operator.
    public var peer: String
    public var receivedAt: Date
    /// How far the body can be trusted, which decides what a first `completed` does to
    /// the download queue.
    public var trust: EventTrust
    /// Whether a task the daemon did not submit is recorded or refused.
    public var unknownTasks: UnknownTaskPolicy

    public init(task: ValidatedTask, peer: String, receivedAt: Date = Date(), trust: EventTrust = .unverified,
                unknownTasks: UnknownTaskPolicy = .accept) {
        self.task = task
        self.peer = peer
        self.receivedAt = receivedAt
        self.trust = trust
        self.unknownTasks = unknownTasks
    }
}

/// Where a task body comes from, as far as trusting its result URLs goes.
///
/// The video API does not sign callbacks: a body that reached the callback path proves
/// only that its sender knew the token. With an API key the daemon asks the API before
/// it downloads anything a callback names.
public enum EventTrust: Sendable, Equatable {
    /// A callback, and no API key to check it with: a first `completed` queues the
    /// download at once, and the task is marked `unverified`.
    case unverified
    /// A callback, with an API key: a first `completed` queues nothing yet. The task is
    /// marked verification `pending` until the API confirms it (see
    /// ``Ledger/recordVerification(_:now:)``).
    case needsVerification
    /// The video API's own answer (a query, the answer to create): a first `completed`
    /// queues the download at once, from these URLs, and the task is `verified`.
    case fromAPI
}

/// What the ledger does with a callback for a task it has no record of submitting.
public enum UnknownTaskPolicy: Sendable, Equatable {
    /// Record it like any other (a task may have been submitted by another tool); the
    /// task row says it was not submitted by this daemon.
    case accept
    /// Keep the body among the rejected ones (status 403) and record nothing else
    /// (`api.accept_unknown_tasks: false`).
    case refuse
}
