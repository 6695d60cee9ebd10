import Glibc
import Testing
import Daemon

@Suite("WatchdogSettings")
struct WatchdogSettingsTests {
    @Test("no WATCHDOG_USEC means no watchdog")
    func withoutTimeout_IsNil() throws {
        #expect(try WatchdogSettings.fromEnvironment([:], pid: 42) == nil)
    }

    @Test("WATCHDOG_USEC gives the timeout, and pings go at half of it")
    func timeout_HalvesIntoPingInterval() throws {
        let settings = try #require(try WatchdogSettings.fromEnvironment(["WATCHDOG_USEC": "30000000"], pid: 42))
        #expect(settings.timeout == .seconds(30))
        #expect(settings.pingInterval == .seconds(15))
    }

    @Test("WATCHDOG_PID naming this process keeps the watchdog; another pid turns it off")
    func watchdogPID_SelectsTheProcess() throws {
        let environment = ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "42"]
        #expect(try WatchdogSettings.fromEnvironment(environment, pid: 42) == WatchdogSettings(timeout: .milliseconds(200)))
        #expect(try WatchdogSettings.fromEnvironment(environment, pid: 43) == nil)
    }

    @Test("a WATCHDOG_USEC that is not a positive number is an error", arguments: ["", "abc", "0", "-5", "1.5", "99999999999999999999"])
    func malformedTimeout_Throws(value: String) {
        #expect {
            try WatchdogSettings.fromEnvironment(["WATCHDOG_USEC": value], pid: 42)
        } throws: { error in
            (error as? SystemdEnvironmentError)?.variable == "WATCHDOG_USEC"
        }
    }

    @Test("a WATCHDOG_PID that is not a process id is an error", arguments: ["", "self", "0", "-1"])
    func malformedPID_Throws(value: String) {
        #expect {
            try WatchdogSettings.fromEnvironment(["WATCHDOG_USEC": "200000", "WATCHDOG_PID": value], pid: 42)
        } throws: { error in
            (error as? SystemdEnvironmentError)?.variable == "WATCHDOG_PID"
        }
    }
}
