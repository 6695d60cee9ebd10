import Glibc
import Synchronization
import TestSupport
import Testing
import Daemon

@Suite("WatchdogPinger")
struct WatchdogPingerTests {
    /// WATCHDOG_USEC=200000: a ping every 100 ms.
    private func environment(_ listener: NotifySocket, watchdogPID: pid_t = getpid()) -> [String: String] {
        listener.environment.merging(["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(watchdogPID)"]) { $1 }
    }

    @Test("pings WATCHDOG=1 about every WATCHDOG_USEC / 2")
    func pingsAtHalfTheTimeout() throws {
        let listener = try NotifySocket.atPath()
        let environment = environment(listener)
        let pinger = try WatchdogPinger(environment: environment, notifier: SystemdNotifier(environment: environment))
        #expect(pinger.settings?.pingInterval == .milliseconds(100))
        pinger.start()
        defer { pinger.stop() }
        let pings = listener.receiveAll(during: 1).map(\.text)
        // About 10 in a second; the range is wide for a loaded machine, and still fails
        // for a pinger that never pings, pings once, or pings in a tight loop.
        #expect((3...20).contains(pings.count), "\(pings.count) pings in 1 s")
        #expect(pings.allSatisfy { $0 == "WATCHDOG=1" })
    }

    @Test("sends nothing when WATCHDOG_PID names another process")
    func otherProcessWatchdog_SendsNothing() throws {
        let listener = try NotifySocket.atPath()
        let environment = environment(listener, watchdogPID: getpid() + 1)
        let pinger = try WatchdogPinger(environment: environment, notifier: SystemdNotifier(environment: environment))
        #expect(!pinger.isEnabled)
        pinger.start()
        defer { pinger.stop() }
        #expect(listener.receiveAll(during: 0.5).isEmpty)
    }

    @Test("skips pings while the health check fails, and resumes when it passes")
    func failingHealthCheck_StopsPings() throws {
        let listener = try NotifySocket.atPath()
        let environment = environment(listener)
        let healthy = Mutex(false)
        let misses = Mutex<[WatchdogPinger.Miss]>([])
        let pinger = try WatchdogPinger(
            environment: environment,
            notifier: SystemdNotifier(environment: environment),
            healthCheck: { healthy.withLock { $0 } },
            onMiss: { miss in misses.withLock { $0.append(miss) } }
        )
        pinger.start()
        defer { pinger.stop() }
        #expect(listener.receiveAll(during: 0.5).isEmpty)
        let missed = misses.withLock { $0 }
        #expect(missed.count >= 2)
        #expect(missed.allSatisfy { $0 == .unhealthy })

        healthy.withLock { $0 = true }
        #expect(listener.receive(within: 2)?.text == "WATCHDOG=1")
    }

    @Test("stop() ends the pings")
    func stop_EndsPings() throws {
        let listener = try NotifySocket.atPath()
        let pinger = WatchdogPinger(
            settings: WatchdogSettings(timeout: .milliseconds(100)),
            notifier: SystemdNotifier(environment: listener.environment)
        )
        pinger.start()
        #expect(listener.receive(within: 2)?.text == "WATCHDOG=1")
        pinger.stop()
        // A ping already under way at stop() may still land; let it, then expect silence.
        _ = listener.receiveAll(during: 0.1)
        #expect(listener.receiveAll(during: 0.4).isEmpty)
    }

    @Test("a ping that cannot be sent is reported, not fatal")
    func failedPing_IsReported() throws {
        let missed = Mutex<WatchdogPinger.Miss?>(nil)
        let pinger = WatchdogPinger(
            settings: WatchdogSettings(timeout: .milliseconds(100)),
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent-videohookd-\(getpid())/notify"]),
            onMiss: { miss in missed.withLock { $0 = miss } }
        )
        pinger.start()
        defer { pinger.stop() }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        while missed.withLock({ $0 }) == nil, clock.now < deadline { usleep(10_000) }
        guard case .notifyFailed(.systemCall(let error)) = missed.withLock({ $0 }) else {
            Issue.record("expected a failed notification, got \(String(describing: missed.withLock { $0 }))")
            return
        }
        #expect(error.errno == ENOENT)
    }
}
