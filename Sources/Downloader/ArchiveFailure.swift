/// Why a destination could not archive a fetched download, sorted by what the runner
/// does next.
public struct ArchiveFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Try again after the usual backoff, while the link is valid.
        case temporary
        /// Will not get better: the job fails.
        case permanent
        /// The archive's disk is short of its reserve: the pool pauses.
        case diskFull(bytesNeeded: Int64)
        /// The destination refused (a bucket's credentials, permissions, a busy
        /// service): the video is whole (on the disk, but for the bytes a bucket released
        /// once it held them), so the job waits with backoff however long it takes, the
        /// link's expiry no longer matters.
        case waiting
        /// The daemon is stopping.
        case stopped
    }

    public var kind: Kind
    /// What the operator reads in `show` and the log.
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
}
