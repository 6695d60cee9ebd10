import Daemon
import Foundation
import Glibc

/// Ctrl-C (SIGINT) and SIGTERM during `submit --wait`: caught by the daemon's own
/// ``SignalWatcher`` (its thread takes them, nothing runs in a signal handler), and
/// ending the watcher's sleep between two polls at once rather than at the next one.
final class WaitInterruption: @unchecked Sendable {
    // @unchecked: `received` is behind `lock`; the rest is set once.
    static let signals = [SIGINT, SIGTERM]
    private let lock = NSLock()
    private var received: ReceivedSignal?
    private let wake = DispatchSemaphore(value: 0)
    private var watcher: SignalWatcher?

    /// Blocks the signals in this thread (threads started later inherit it) and starts
    /// the watcher: from here on Ctrl-C is a message and status 130, not a sudden death.
    func start() throws(SignalWatcherError) {
        SignalWatcher.prepareProcess(blocking: Self.signals)
        let watcher = SignalWatcher(signals: Self.signals) { [self] signal in
            lock.withLock { if received == nil { received = signal } }
            wake.signal()
        }
        try watcher.start()
        self.watcher = watcher
    }

    /// Sleeps `seconds`, or less when a signal comes; returns the first signal received.
    func sleep(_ seconds: Double) -> ReceivedSignal? {
        if let signal = lock.withLock({ received }) { return signal }
        _ = wake.wait(timeout: .now() + seconds)
        return lock.withLock { received }
    }

    func stop() {
        watcher?.stop()
    }
}
