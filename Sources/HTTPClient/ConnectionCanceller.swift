import Glibc
import Synchronization

/// Lets another thread end a worker's blocking reads at once: `stop()` shuts the
/// worker's socket down, so a read waiting on a stalled server returns now instead of
/// after its timeout.
///
/// The descriptor is closed under the same lock that `cancel()` takes, so a shutdown
/// never lands on a number the kernel has already given to another file.
public final class ConnectionCanceller: Sendable {
    private struct State {
        var fd: Int32?
        var cancelled = false
    }

    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Registers the worker's socket; false (and nothing registered) when already cancelled.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.fd = fd
            return true
        }
    }

    /// Closes the socket and forgets it.
    func close(_ fd: Int32) {
        state.withLock { state in
            if state.fd == fd { state.fd = nil }
            Glibc.close(fd)
        }
    }

    public func cancel() {
        state.withLock { state in
            state.cancelled = true
            if let fd = state.fd { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }
}
