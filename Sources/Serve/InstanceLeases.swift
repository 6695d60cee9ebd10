import Foundation
import Ledger
import Lifecycle
import Logging
import Synchronization

/// This `serve` as one instance of those sharing the ledger (issue 21): it registers in
/// `instances` when it starts, and on its own thread (`vh-leases`) renews, in one write
/// every third of the lease, its heartbeat and the lease of everything it holds: the
/// download jobs and deliveries its workers run, and the reconciler's turn. What another
/// instance took over meanwhile (this one's lease had lapsed: it was cut off from the
/// database, or paused) is stopped at once (``DownloadService/leaseLost(taskID:owner:)``).
/// On a clean stop, after the workers have stopped, it gives back whatever is still its
/// own (running jobs to queued, deliveries to pending, its leases) and marks itself
/// stopped, so that the other instances carry on at once instead of after the lease.
///
/// Started after the ledger writer and before everything that claims work; stopped after
/// them. The same runs on SQLite (one instance), so the two backends behave alike.
final class InstanceLeases: Service, Sendable {
    private struct State {
        var released = false
        /// The singleton leases held after the last renewal or take.
        var held: Set<String> = []
        /// When a renewal last went through; a failure streak is logged once.
        var lastRenewal = Date()
        var failing = false
        /// Since when the renewals have gone through without a failure (the
        /// registration, then the first renewal after a failure); nil while failing.
        var healthySince: Date? = Date()
    }

    /// The reconciler's lease.
    static let reconcilerLease = "reconciler"

    private let ledger: Ledger
    private let logger: Logger
    private let host: String
    private let pid: Int
    private let runningDownloads: @Sendable () -> Set<String>
    private let runningDeliveries: @Sendable () -> Set<Int64>
    private let downloadLost: @Sendable (String, String) -> Void
    private let renewalFailed: @Sendable () -> Void
    private let state = Mutex(State())
    private let periodic: PeriodicThread

    var serviceName: String { "instance-leases" }

    /// The lease, and how often it is renewed: every third of it, so that two renewals
    /// may fail (a slow transaction, a database that restarts) before it lapses.
    var lease: Double { ledger.limits.leaseDuration }
    var renewInterval: Double { lease / 3 }

    init(ledger: Ledger, logger: Logger, host: String = ProcessInfo.processInfo.hostName,
         pid: Int = Int(ProcessInfo.processInfo.processIdentifier),
         runningDownloads: @escaping @Sendable () -> Set<String>,
         runningDeliveries: @escaping @Sendable () -> Set<Int64>,
         downloadLost: @escaping @Sendable (_ taskID: String, _ owner: String) -> Void,
         renewalFailed: @escaping @Sendable () -> Void = {}) {
        self.ledger = ledger
        self.logger = logger
        self.host = host
        self.pid = pid
        self.runningDownloads = runningDownloads
        self.runningDeliveries = runningDeliveries
        self.downloadLost = downloadLost
        self.renewalFailed = renewalFailed
        // Every third of the lease (``renewInterval``, not callable before every property is set).
        periodic = PeriodicThread(name: "vh-leases", interval: .seconds(ledger.limits.leaseDuration / 3))
    }

    /// Whether this instance may take over another's lapsed work now: only once its own
    /// renewals have gone through for a renewal interval. After an outage of the database
    /// every instance's leases lapsed at once; the wait lets the others renew theirs
    /// before anyone takes them for dead, so that work does not change hands for nothing.
    func mayTakeOver(now: Date = Date()) -> Bool {
        guard let since = state.withLock({ $0.healthySince }) else { return false }
        return now.timeIntervalSince(since) >= renewInterval
    }

    /// Whether the last renewal or take left this instance holding `name`.
    func holds(_ name: String) -> Bool {
        state.withLock { $0.held.contains(name) }
    }

    /// Registers the instance (a start that cannot write the ledger fails here, before
    /// any work is claimed) and starts the renewals.
    func start() throws {
        state.withLock { $0.healthySince = Date() }
        do {
            try ledger.registerInstance(host: host, pid: pid, version: Ledger.schemaVersion)
        } catch {
            throw ServeError("cannot register this instance in the ledger: \(error)")
        }
        logger.info("instance.registered", metadata: [
            "instance": "\(ledger.instanceID)", "host": "\(host)", "pid": "\(pid)",
            "lease_s": "\(lease)", "shared": "\(ledger.isShared)",
        ])
        try periodic.start { [self] in renew() }
    }

    func beginStopping() {
        periodic.beginStopping()
    }

    /// Waits for the thread, then gives back what the instance still holds and marks it
    /// stopped (once).
    func waitUntilStopped(timeout: Duration) -> Bool {
        let stopped = periodic.waitUntilStopped(timeout: timeout)
        let first = state.withLock { state -> Bool in
            defer { state.released = true }
            return !state.released
        }
        guard first else { return stopped }
        do {
            let released = try ledger.releaseInstance()
            logger.info("instance.stopped", metadata: [
                "instance": "\(ledger.instanceID)", "released_downloads": "\(released.downloads)",
                "released_deliveries": "\(released.deliveries)", "released_leases": "\(released.leases)",
            ])
        } catch {
            logger.warning("instance.release_failed", metadata: [
                "instance": "\(ledger.instanceID)", "reason": "\(error)",
                "effect": "what it held is taken over once its lease lapses (\(Int(lease)) s)",
            ])
        }
        return stopped
    }


    /// One renewal now: the heartbeat and every lease held.
    func renew(now: Date = Date()) {
        let downloads = runningDownloads()
        let deliveries = runningDeliveries()
        let renewal: LeaseRenewal
        do {
            renewal = try ledger.renewLeases(downloads: downloads, deliveries: deliveries, now: now)
        } catch {
            renewalFailed()
            let (firstFailure, since) = state.withLock { state -> (Bool, Date) in
                defer { state.failing = true; state.healthySince = nil }
                return (!state.failing, state.lastRenewal)
            }
            if firstFailure {
                logger.error("lease.renew_failed", metadata: [
                    "reason": "\(error)", "last_renewal_s_ago": "\(Int(now.timeIntervalSince(since)))",
                    "effect": "past \(Int(lease)) s without a renewal, other instances take this one's work over",
                ])
            }
            return
        }
        let (recovered, lostTurns) = state.withLock { state -> (Bool, Set<String>) in
            defer {
                state.failing = false
                state.lastRenewal = now
                state.held = renewal.leases
                if state.healthySince == nil { state.healthySince = now }
            }
            return (state.failing, state.held.subtracting(renewal.leases))
        }
        if recovered {
            logger.notice("lease.renewed", metadata: ["note": "renewals go through again"])
        }
        if !renewal.registered {
            try? ledger.registerInstance(host: host, pid: pid, version: Ledger.schemaVersion, now: now)
        }
        for (taskID, owner) in renewal.takenDownloads.sorted(by: { $0.key < $1.key }) {
            downloadLost(taskID, owner)
        }
        for (id, owner) in renewal.takenDeliveries.sorted(by: { $0.key < $1.key }) {
            logger.warning("notify.lease_lost", metadata: [
                "delivery": "\(id)", "owner": "\(owner)",
                "action": "the attempt in flight is not recorded; the new owner makes the delivery again",
            ])
        }
        for name in lostTurns.sorted() {
            logger.warning("lease.lost", metadata: ["lease": "\(name)", "reason": "another instance took it over"])
        }
        if renewal.requeuedDownloads > 0 || renewal.requeuedDeliveries > 0 {
            logger.notice("lease.requeued_own", metadata: [
                "downloads": "\(renewal.requeuedDownloads)", "deliveries": "\(renewal.requeuedDeliveries)",
                "reason": "running under this instance, but no worker here had them any more",
            ])
        }
    }

    /// Whether this instance holds the singleton lease `name` now: taken when free or
    /// lapsed (logged, with the instance it was taken from), renewed when its own.
    func take(_ name: String, now: Date = Date()) -> Bool {
        let outcome: LeaseTake
        do {
            // Just back from failing renewals, a lapsed holder may be renewing right now too.
            outcome = try ledger.takeLease(name, now: now, takingOver: mayTakeOver(now: now))
        } catch {
            logger.warning("lease.take_failed", metadata: ["lease": "\(name)", "reason": "\(error)"])
            return false
        }
        let wasHeld = state.withLock { state -> Bool in
            defer { if outcome.isHeld { state.held.insert(name) } else { state.held.remove(name) } }
            return state.held.contains(name)
        }
        switch outcome {
        case .held(let previous):
            if !wasHeld {
                var metadata: Logger.Metadata = ["lease": "\(name)", "instance": "\(ledger.instanceID)"]
                if let previous { metadata["previous_owner"] = "\(previous)" }
                logger.notice(previous == nil ? "lease.taken" : "lease.taken_over", metadata: metadata)
            }
            return true
        case .heldElsewhere(let owner, _):
            if wasHeld {
                logger.warning("lease.lost", metadata: ["lease": "\(name)", "owner": "\(owner)"])
            }
            return false
        }
    }
}
