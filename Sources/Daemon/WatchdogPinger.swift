import Dispatch
import Foundation
import Glibc
import Synchronization

/// Sends `WATCHDOG=1` every `WATCHDOG_USEC / 2` on a queue of its own, as long as the
/// health check passes. A wedged event loop fails its check, the pings stop, and systemd
/// restarts the daemon after `WatchdogSec=`; so the check should ask the loop itself
/// (a round trip through it), not a flag that a stuck loop would leave set.
public final class WatchdogPinger: Sendable {
    /// Why a ping was not sent.
    public enum Miss: Sendable, Equatable {
        /// The health check failed.
        case unhealthy
        /// The health check passed but the notification failed.
        case notifyFailed(SystemdNotifyError)
    }

    /// nil when systemd asked for no watchdog, or not from this process: then `start()`
    /// does nothing.
    public let settings: WatchdogSettings?
    private let notifier: SystemdNotifier
    private let healthCheck: @Sendable () -> Bool
    private let onMiss: @Sendable (Miss) -> Void
    private let queue = DispatchQueue(label: "videohookd.watchdog")
    private let timer = Mutex<DispatchSourceTimer?>(nil)

    /// - Parameters:
    ///   - healthCheck: called on the pinger's queue before each ping; false skips the ping.
    ///     It may block: a check that never returns stops the pings, which is the point.
    ///   - onMiss: told about each skipped ping, for the log.
    public init(
        settings: WatchdogSettings?,
        notifier: SystemdNotifier,
        healthCheck: @escaping @Sendable () -> Bool = { true },
        onMiss: @escaping @Sendable (Miss) -> Void = { _ in }
    ) {
        self.settings = settings
        self.notifier = notifier
        self.healthCheck = healthCheck
        self.onMiss = onMiss
    }

    /// Reads `WATCHDOG_USEC` and `WATCHDOG_PID` (see `WatchdogSettings.fromEnvironment`).
    public convenience init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        pid: pid_t = getpid(),
        notifier: SystemdNotifier,
        healthCheck: @escaping @Sendable () -> Bool = { true },
        onMiss: @escaping @Sendable (Miss) -> Void = { _ in }
    ) throws(SystemdEnvironmentError) {
        self.init(
            settings: try WatchdogSettings.fromEnvironment(environment, pid: pid),
            notifier: notifier,
            healthCheck: healthCheck,
            onMiss: onMiss
        )
    }

    deinit {
        stop()
    }

    /// Whether pings will be sent once started.
    public var isEnabled: Bool { settings != nil }

    /// Pings now and then every `pingInterval`. Calling it again while running does nothing.
    public func start() {
        guard let settings else { return }
        timer.withLock { timer in
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            let interval = Self.dispatchInterval(settings.pingInterval)
            source.schedule(deadline: .now(), repeating: interval, leeway: Self.dispatchInterval(settings.pingInterval / 10))
            source.setEventHandler { [weak self] in self?.tick() }
            source.resume()
            timer = source
        }
    }

    /// Stops the pings. A ping already under way may still go out; no other will.
    public func stop() {
        timer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
    }

    private func tick() {
        guard healthCheck() else {
            onMiss(.unhealthy)
            return
        }
        do {
            try notifier.watchdog()
        } catch {
            onMiss(.notifyFailed(error))
        }
    }

    private static func dispatchInterval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .microseconds(Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000))
    }
}
