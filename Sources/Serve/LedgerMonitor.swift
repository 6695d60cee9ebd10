import Foundation
import Ledger
import Lifecycle
import Logging
import Synchronization

/// Whether a shared (PostgreSQL) ledger answers, for `/readyz`: one round trip every
/// ``interval`` on its own thread. A database that is down or restarting makes `/readyz`
/// fail with the reason, so that a load balancer sends callbacks to another instance;
/// meanwhile the intake answers 503 with `Retry-After` for what it cannot commit, and
/// the ledger's connections come back by themselves once the database does.
///
/// SQLite needs none: its file is checked by ``ReadinessProbe`` directly.
final class LedgerMonitor: Service, Sendable {
    private struct State {
        var problem: String?
        var checked = false
    }

    private let ledger: Ledger
    let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let periodic: PeriodicThread

    var serviceName: String { "ledger-monitor" }

    /// Every 5 s: a load balancer's health check (HAProxy's default `inter` is 2 s)
    /// sees an outage within a few seconds.
    static let defaultInterval: Duration = .seconds(5)

    init(ledger: Ledger, interval: Duration = LedgerMonitor.defaultInterval, logger: Logger) {
        self.ledger = ledger
        self.interval = interval
        self.logger = logger
        periodic = PeriodicThread(name: "vh-ledger-check", interval: interval)
    }

    /// Checks now, records the outcome, logs a change; returns the problem.
    @discardableResult
    func check() -> String? {
        let problem = ledger.reachabilityProblem()
        let (previous, first) = state.withLock { state -> (String?, Bool) in
            let previous = (state.problem, !state.checked)
            state.problem = problem
            state.checked = true
            return previous
        }
        switch (previous, problem) {
        case (nil, nil), (_?, _?):
            break // unchanged: said once
        case (_?, nil):
            logger.notice("ledger.reachable", metadata: ["ledger": "\(ledger.path)"])
        case (nil, let new?):
            logger.error("ledger.unreachable", metadata: [
                "ledger": "\(ledger.path)", "reason": "\(new)", "next_check_s": "\(Int(interval.seconds))",
                "first_check": "\(first)",
            ])
        }
        return problem
    }

    /// What `/readyz` says under `ledger`; nil while the ledger answers.
    var readinessProblem: String? {
        state.withLock { $0.problem }
    }

    /// Check again now, on the monitor's thread (a write found the ledger unavailable).
    func checkSoon() {
        periodic.wake()
    }

    func start() throws {
        try periodic.start { [self] in check() }
    }

    func beginStopping() {
        periodic.beginStopping()
    }

    func waitUntilStopped(timeout: Duration) -> Bool {
        periodic.waitUntilStopped(timeout: timeout)
    }

}
