/// A place the operator's settings send events to, as the ledger's outbox knows it: a
/// stable key (the delivery rows name it) and the events it takes. The ledger fans an
/// event out to every active target that takes it, in the same transaction as the
/// event, so a delivery cannot be lost between the two.
public struct NotificationTarget: Sendable, Equatable, Hashable {
    /// `webhook <url>` or `command <argv[0]> …`: what `events show` prints, never a secret.
    public var key: String
    public var events: Set<NotificationEventType>

    public init(key: String, events: Set<NotificationEventType>) {
        self.key = key
        self.events = events
    }
}
