import VideoAPI

/// What recording one write did, for the intake's answer, its log line and metrics.
public enum LedgerOutcome: Sendable, Equatable {
    case event(EventOutcome)
    /// An unrecognized body was stored under this row id.
    case unrecognizedStored(rowID: Int64)
    /// A rejected body was stored under this row id.
    case rejectedStored(rowID: Int64)
    /// A callback for a task this daemon did not submit, refused by
    /// ``UnknownTaskPolicy/refuse``: its body was kept among the rejected ones under
    /// this row id, and nothing else was recorded.
    case unknownTaskRefused(taskID: TaskID, rowID: Int64)

    /// The event's outcome, when this was a task event.
    public var event: EventOutcome? {
        if case .event(let outcome) = self { outcome } else { nil }
    }
}
