/// The bounds that keep the ledger's size in check whatever arrives.
public struct LedgerLimits: Sendable, Equatable {
    /// Largest prefix of a rejected (400, 413) body kept; the rest is dropped.
    public var maxRejectedBodyBytes: Int
    /// Largest prefix of an unrecognized body kept. Larger than the rejected one: an
    /// unrecognized body may be a real task in a new shape, worth keeping whole.
    public var maxUnrecognizedBodyBytes: Int
    /// Most rejected bodies kept; the oldest go first.
    public var maxRejectedRows: Int
    /// Most unrecognized bodies kept; the oldest go first.
    public var maxUnrecognizedRows: Int
    /// Longest reason, path or peer text kept, in bytes.
    public var maxTextBytes: Int
    /// How long a write waits for a lock held by another process before it fails
    /// (then the intake answers 503), in seconds.
    public var busyTimeout: Double
    /// PostgreSQL only: most connections the ledger holds open (its pool). A
    /// transaction that finds them all in use waits up to `busyTimeout`, then fails as
    /// unavailable (503).
    public var maxConnections: Int
    /// How long a claim (a download job, a delivery, the reconciler's turn) is held
    /// without a renewal, in seconds. The owner renews every third of it; once it has
    /// lapsed, another instance takes the work over. `serve` keeps the default (30 s);
    /// tests shorten it.
    public var leaseDuration: Double

    public init(maxRejectedBodyBytes: Int = 64 * 1024,
                maxUnrecognizedBodyBytes: Int = 256 * 1024,
                maxRejectedRows: Int = 10_000,
                maxUnrecognizedRows: Int = 10_000,
                maxTextBytes: Int = 2048,
                busyTimeout: Double = 5,
                maxConnections: Int = 8,
                leaseDuration: Double = 30) {
        self.maxRejectedBodyBytes = maxRejectedBodyBytes
        self.maxUnrecognizedBodyBytes = maxUnrecognizedBodyBytes
        self.maxRejectedRows = maxRejectedRows
        self.maxUnrecognizedRows = maxUnrecognizedRows
        self.maxTextBytes = maxTextBytes
        self.busyTimeout = busyTimeout
        self.maxConnections = maxConnections
        self.leaseDuration = leaseDuration
    }
}
