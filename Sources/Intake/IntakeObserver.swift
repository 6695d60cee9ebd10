import VideoAPI

/// What the intake tells the rest of the daemon: outcomes for metrics, commit latency,
/// and new download jobs for the downloader. Hooks run on the ledger writer's thread.
public struct IntakeObserver: Sendable {
    public enum Outcome: String, Sendable, CaseIterable {
        case accepted, duplicate, unrecognized, rejected, unavailable
    }

    public var outcome: @Sendable (Outcome) -> Void
    /// Nanoseconds from the end of the request to the commit.
    public var committed: @Sendable (UInt64) -> Void
    public var downloadJobCreated: @Sendable (TaskID) -> Void
    /// A `completed` callback waits for the video API to confirm it: the verifier asks
    /// at once instead of at its next pass.
    public var verificationRequested: @Sendable (TaskID) -> Void

    public init(outcome: @escaping @Sendable (Outcome) -> Void = { _ in },
                committed: @escaping @Sendable (UInt64) -> Void = { _ in },
                downloadJobCreated: @escaping @Sendable (TaskID) -> Void = { _ in },
                verificationRequested: @escaping @Sendable (TaskID) -> Void = { _ in }) {
        self.outcome = outcome
        self.committed = committed
        self.downloadJobCreated = downloadJobCreated
        self.verificationRequested = verificationRequested
    }
}
