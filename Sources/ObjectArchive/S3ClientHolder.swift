import ObjectStore
import Synchronization

/// The S3 client the uploads use, replaceable while the daemon runs: SIGHUP with new
/// credentials hands in a client signed with them, and every request started after
/// that uses it. A request already on its way finishes with the client it began with.
public final class S3ClientHolder: Sendable {
    private let client: Mutex<S3Client>

    public init(_ client: S3Client) {
        self.client = Mutex(client)
    }

    /// The client for the next request.
    public var current: S3Client { client.withLock { $0 } }

    /// From now on, requests use `client` (new credentials for the same bucket: the
    /// bucket, endpoint and prefix need a restart, see `Settings`).
    public func replace(with client: S3Client) {
        self.client.withLock { $0 = client }
    }
}
