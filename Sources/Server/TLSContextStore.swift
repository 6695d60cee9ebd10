import Synchronization
import TLS

/// The certificate in use, swappable while the server runs: SIGHUP loads a new context
/// and stores it here; new handshakes take the new one, open connections keep theirs.
public final class TLSContextStore: Sendable {
    private let current: Mutex<TLSServerContext>

    public init(_ context: TLSServerContext) {
        current = Mutex(context)
    }

    public var context: TLSServerContext { current.withLock { $0 } }

    public func replace(with context: TLSServerContext) {
        current.withLock { $0 = context }
    }
}
