import Synchronization

/// The client in force, for code that outlives a credential change: `serve` replaces it
/// whole when SIGHUP brings new credentials, and every user asks for ``client`` once per
/// request, so the next request is signed with the new key while one in flight finishes
/// with the old. A client is immutable; only the holder's reference changes.
public final class S3ClientHolder: Sendable {
    private let current: Mutex<S3Client>

    public init(_ client: S3Client) {
        current = Mutex(client)
    }

    /// The client to send the next request with.
    public var client: S3Client { current.withLock { $0 } }

    /// From the next ``client`` on, `client` is used.
    public func replace(with client: S3Client) {
        current.withLock { $0 = client }
    }
}
