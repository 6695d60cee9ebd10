/// Whose turn it is to reconcile, when several instances share one ledger: one at a
/// time asks the video API (a lease in the ledger, `serve` holds it for the service).
/// Without a turn the service runs its passes as on one instance.
public struct ReconcilerTurn: Sendable {
    /// Whether this instance may run a pass now: takes the lease when it is free or
    /// lapsed, renews it when it is this instance's; false while another holds it.
    public var take: @Sendable () -> Bool
    /// How long to wait before asking again while another instance holds the turn.
    public var retryInterval: Double
    /// The longest sleep between passes while holding it: callbacks that other instances
    /// take queue verifications that wake nobody here.
    public var pollInterval: Double

    public init(take: @escaping @Sendable () -> Bool, retryInterval: Double, pollInterval: Double) {
        self.take = take
        self.retryInterval = retryInterval
        self.pollInterval = pollInterval
    }
}
