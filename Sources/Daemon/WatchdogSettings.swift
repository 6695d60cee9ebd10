import Glibc

/// The watchdog systemd asked for: `WATCHDOG_USEC` (from `WatchdogSec=`), for this process
/// only when `WATCHDOG_PID` is unset or names it. Parsed the way `sd_watchdog_enabled` does.
public struct WatchdogSettings: Sendable, Equatable {
    /// How long systemd waits for a ping before it kills and restarts the service.
    public let timeout: Duration

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Half the timeout, as systemd recommends: one late ping is not yet a restart.
    public var pingInterval: Duration { timeout / 2 }

    /// The settings for process `pid`, or nil when systemd wants no pings from it.
    public static func fromEnvironment(
        _ environment: [String: String],
        pid: pid_t = getpid()
    ) throws(SystemdEnvironmentError) -> WatchdogSettings? {
        guard let timeoutText = environment["WATCHDOG_USEC"] else { return nil }
        guard let microseconds = Int64(timeoutText), microseconds > 0 else {
            throw SystemdEnvironmentError(
                variable: "WATCHDOG_USEC",
                value: timeoutText,
                problem: "is not a timeout: expected a whole number of microseconds above 0"
            )
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let watchedPID = pid_t(pidText), watchedPID > 0 else {
                throw SystemdEnvironmentError(
                    variable: "WATCHDOG_PID",
                    value: pidText,
                    problem: "is not a process id: expected a whole number above 0"
                )
            }
            // Meant for another process (our parent, say): not ours to ping for.
            guard watchedPID == pid else { return nil }
        }
        return WatchdogSettings(timeout: .microseconds(microseconds))
    }
}
