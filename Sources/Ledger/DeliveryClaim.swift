import Foundation
import Outbox

/// A delivery the notifier took from the queue: one event for one target, and which
/// attempt this is (1 for the first).
public struct DeliveryClaim: Sendable, Equatable {
    public var deliveryID: Int64
    public var target: String
    public var attempt: Int
    public var eventID: String
    public var type: NotificationEventType
    public var taskID: String
    /// The JSON body, as committed with the event.
    public var body: [UInt8]
    public var eventCreatedAt: Date
    /// The instance that was making this delivery when its lease lapsed and this claim
    /// took it over; nil for a pending one.
    public var takenOverFrom: String?
}

/// How one attempt went, as `events show` lists it.
public struct DeliveryAttempt: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// Not delivered; pending again from this time.
        case retry(at: Date)
        /// Not delivered, and the schedule is spent.
        case failed
    }

    public var outcome: Outcome
    public var startedAt: Date
    public var durationMilliseconds: Double
    public var httpStatus: Int?
    public var exitCode: Int?
    public var error: String?
    /// A command's output, cut.
    public var output: String?

    public init(outcome: Outcome, startedAt: Date, durationMilliseconds: Double, httpStatus: Int? = nil,
                exitCode: Int? = nil, error: String? = nil, output: String? = nil) {
        self.outcome = outcome
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.httpStatus = httpStatus
        self.exitCode = exitCode
        self.error = error
        self.output = output
    }
}

/// For the metrics.
public struct DeliveryStatistics: Sendable, Equatable {
    public struct Key: Sendable, Hashable {
        public var target: String
        public var state: String
    }

    /// When the oldest event still waiting for a delivery was committed.
    public var oldestPending: Date?
    public var byTargetAndState: [Key: Int] = [:]
}

/// What `events replay` queues again.
public enum ReplaySelection: Sendable, Equatable {
    case event(String)
    case task(String)
    /// Every delivery that failed for good.
    case failed
}
