import Foundation
import Ledger
@testable import Serve
import Settings
import TestSupport
import Testing

/// The ledger monitor: what `/readyz` says of a shared ledger, and the log lines on a
/// change. Driven here by a SQLite ledger that is closed under it (a PostgreSQL that
/// goes away is the end-to-end tests' part); the monitor only asks the ledger.
@Suite("The ledger monitor")
struct LedgerMonitorTests {
    @Test("a ledger that answers is ready; one that stops answering fails readiness with the reason, logged once")
    func followsTheLedger() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.path + "/ledger.sqlite")
        let log = LogCapture()
        let monitor = LedgerMonitor(ledger: ledger, interval: .milliseconds(100), logger: log.logger)
        #expect(monitor.check() == nil)
        #expect(monitor.readinessProblem == nil)
        #expect(log.events("ledger.unreachable").isEmpty)

        try ledger.close()
        let problem = try #require(monitor.check())
        #expect(monitor.readinessProblem == problem)
        monitor.check()
        #expect(log.events("ledger.unreachable").count == 1, "the same problem is logged once")
        #expect(log.events("ledger.unreachable").first?.metadata["reason"] == problem)
    }

    @Test("with ledger.url, /readyz's ledger check is the monitor's, not the state folder's file")
    func readinessUsesTheMonitor() {
        var settings = Settings()
        settings.stateDirectory = "/nonexistent/state"
        settings.archiveDirectory = NSTemporaryDirectory()
        settings.diskReserveBytes = 0
        settings.ledger = LedgerSettings(url: "postgresql://vh@db/vh")
        let ready = ReadinessProbe(settings: settings, serverRunning: true, loopsResponsive: true, ledgerProblem: nil)
        #expect(!ready.failures().contains { $0.check == "ledger" }, "no file to check on PostgreSQL")
        let down = ReadinessProbe(settings: settings, serverRunning: true, loopsResponsive: true,
                                  ledgerProblem: "the ledger cannot take writes: connection refused")
        #expect(down.failures().contains { $0.check == "ledger" && $0.problem.contains("connection refused") })

        settings.ledger = nil
        let sqlite = ReadinessProbe(settings: settings, serverRunning: true, loopsResponsive: true)
        #expect(sqlite.failures().contains { $0.check == "ledger" && $0.problem.contains("not writable") })
    }
}
