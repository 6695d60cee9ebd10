/// What recording one write did, for the intake's answer, its log line and metrics.
public enum LedgerOutcome: Sendable, Equatable {
    case event(EventOutcome)
    /// An unrecognized body was stored under this row id.
    case unrecognizedStored(rowID: Int64)
    /// A rejected body was stored under this row id.
    case rejectedStored(rowID: Int64)

    /// The event's outcome, when this was a task event.
    public var event: EventOutcome? {
        if case .event(let outcome) = self { outcome } else { nil }
    }
}
