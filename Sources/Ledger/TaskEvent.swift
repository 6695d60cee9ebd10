import Foundation
import VideoAPI

/// A validated task body as it arrived: the thing the ledger dedups and applies.
public struct TaskEvent: Sendable {
    public var task: ValidatedTask
    /// Who sent it (`address:port`), for the operator.
    public var peer: String
    public var receivedAt: Date

    public init(task: ValidatedTask, peer: String, receivedAt: Date = Date()) {
        self.task = task
        self.peer = peer
        self.receivedAt = receivedAt
    }
}
