import Foundation
import HTTPClient
import Ledger
import Lifecycle
import Logging
import Synchronization
import Transport

/// Delivers the outbox: `notify.concurrency` workers take due deliveries from the
/// ledger, send each to its webhook or command, record the attempt, and schedule the
/// next one on `notify.retry_delays` until it is delivered or the schedule is spent.
/// At least once: a delivery cut short by a crash is made again after the restart,
/// with the same event id.
public final class NotificationService: Service, Sendable {
    public typealias Observer = @Sendable (_ target: String, _ outcome: DeliveryAttempt.Outcome) -> Void

    private struct State {
        var targets = NotifyTargets.none
        var schedule: RetrySchedule
        var targetWorkers: Int
        var runningWorkers = 0
        var nextWorkerNumber = 0
        var stopping = false
        var started = false
        var cancellers: [ConnectionCanceller] = []
        /// The deliveries the workers make now: the leases the instance renews.
        var inHand: Set<Int64> = []
        /// Whether claims may take over other instances' lapsed deliveries now.
        var mayTakeOver: @Sendable () -> Bool = { true }
    }

    private let ledger: Ledger
    private let logger: Logger
    private let observer: Observer
    private let state: Mutex<State>
    private let wakeSignal = WakeSignal()
    private let exited = WakeSignal()
    /// How long an idle worker sleeps before it looks again without being woken.
    private let pollInterval: Double

    public var serviceName: String { "notifier" }

    public init(ledger: Ledger, targets: NotifyTargets, retryDelays: [Duration], concurrency: Int, logger: Logger,
                pollInterval: Double = 5, observer: @escaping Observer = { _, _ in }) {
        self.ledger = ledger
        self.logger = logger
        self.observer = observer
        self.pollInterval = pollInterval
        var initial = State(schedule: RetrySchedule(delays: retryDelays), targetWorkers: max(1, concurrency))
        initial.targets = targets
        state = Mutex(initial)
    }

    public func start() throws {
        let targets = state.withLock { $0.targets }
        saveTargets(targets, previous: try ledger.setNotificationTargets(targets.targets))
        let requeued = try ledger.requeueRunningDeliveries()
        if requeued > 0 {
            logger.notice("notify.requeued", metadata: ["deliveries": "\(requeued)", "reason": "running when the daemon last stopped"])
        }
        ledger.onNotificationsCommitted { [wakeSignal] in wakeSignal.wakeOne() }
        let count = state.withLock { state -> Int in
            state.started = true
            return state.targetWorkers
        }
        try startWorkers(count)
        logger.info("notify.started", metadata: ["workers": "\(count)", "targets": "\(targets.targets.count)"])
    }

    /// SIGHUP: new targets, secrets, schedule and concurrency, for the next deliveries.
    public func replace(targets: NotifyTargets, retryDelays: [Duration], concurrency: Int) {
        do {
            saveTargets(targets, previous: try ledger.setNotificationTargets(targets.targets))
        } catch {
            logger.error("notify.targets_not_saved", metadata: ["reason": "\(error)", "kept": "the previous targets"])
            return
        }
        let more = state.withLock { state -> Int in
            state.targets = targets
            state.schedule = RetrySchedule(delays: retryDelays)
            state.targetWorkers = max(1, concurrency)
            guard state.started, !state.stopping else { return 0 }
            return max(0, state.targetWorkers - state.runningWorkers)
        }
        do {
            try startWorkers(more)
        } catch {
            logger.error("notify.worker_not_started", metadata: ["reason": "\(error)"])
        }
        wakeSignal.wakeAll()
        logger.info("notify.targets_replaced", metadata: ["targets": "\(targets.targets.count)", "workers": "\(concurrency)"])
    }

    /// Looks for due deliveries now (a replay from this process).
    public func wake() { wakeSignal.wakeOne() }

    /// Says whether claims may take over deliveries whose lease lapsed; always, unless set.
    public func setTakeoverGate(_ gate: @escaping @Sendable () -> Bool) {
        state.withLock { $0.mayTakeOver = gate }
    }

    /// The deliveries being made now: the leases the instance renews.
    public var runningDeliveryIDs: Set<Int64> { state.withLock { $0.inHand } }

    /// On a shared ledger the active targets are one set for every instance, and the
    /// last to start or reload sets it: says so when that changed what was there (another
    /// instance's differing `notify` settings, or a reload that the other instances have
    /// not had yet).
    private func saveTargets(_ targets: NotifyTargets, previous: Set<String>) {
        let current = Set(targets.targets.map(\.key))
        guard ledger.isShared, !previous.isEmpty, previous != current else { return }
        logger.warning("notify.targets_differ", metadata: [
            "before": "\(previous.sorted().joined(separator: "; "))",
            "now": "\(current.sorted().joined(separator: "; "))",
            "meaning": "the instances share one set of active targets, and this instance's settings replaced what was there (another instance's, or its own before a reload): new events of every instance go to these; give every instance the same notify settings",
        ])
    }

    public func beginStopping() {
        let cancellers = state.withLock { state -> [ConnectionCanceller] in
            state.stopping = true
            return state.cancellers
        }
        for canceller in cancellers { canceller.cancel() }
        ledger.onNotificationsCommitted(nil)
        wakeSignal.wakeAll()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        let until = Date(timeIntervalSinceNow: timeout.seconds)
        while true {
            let seen = exited.current
            if state.withLock({ $0.runningWorkers }) == 0 { return true }
            let left = until.timeIntervalSinceNow
            if left <= 0 { return false }
            exited.wait(after: seen, seconds: left)
        }
    }

    // MARK: Workers

    private func startWorkers(_ count: Int) throws {
        for _ in 0..<count {
            let number = state.withLock { state -> Int in
                state.runningWorkers += 1
                defer { state.nextWorkerNumber += 1 }
                return state.nextWorkerNumber
            }
            do {
                _ = try NamedThread.start("vh-notify-\(number)") { [self] in
                    work()
                    exited.wakeAll()
                }
            } catch {
                state.withLock { $0.runningWorkers -= 1 }
                throw error
            }
        }
    }

    /// True (and this worker counted out) when it should leave now.
    private func shouldLeave(_ canceller: ConnectionCanceller) -> Bool {
        state.withLock { state in
            guard state.stopping || state.runningWorkers > state.targetWorkers else { return false }
            state.runningWorkers -= 1
            state.cancellers.removeAll { $0 === canceller }
            return true
        }
    }

    private func work() {
        let canceller = ConnectionCanceller()
        let admitted = state.withLock { state -> Bool in
            state.cancellers.append(canceller)
            return !state.stopping
        }
        if !admitted { canceller.cancel() }
        while !shouldLeave(canceller) {
            let seen = wakeSignal.current
            let claim: DeliveryClaim?
            let (own, gate) = state.withLock { (Set($0.targets.endpoints.keys), $0.mayTakeOver) }
            do {
                claim = try ledger.claimNextDelivery(targets: own, takingOver: gate())
            } catch {
                logger.error("notify.ledger_error", metadata: ["step": "claim", "reason": "\(error)"])
                wakeSignal.wait(after: seen, seconds: pollInterval)
                continue
            }
            guard let claim else {
                let due = (try? ledger.nextDeliveryDue())?.map { $0.timeIntervalSinceNow } ?? pollInterval
                wakeSignal.wait(after: seen, seconds: min(pollInterval, max(due, 0.005)))
                continue
            }
            if let previous = claim.takenOverFrom {
                logger.notice("notify.taken_over", metadata: [
                    "task_id": "\(claim.taskID)", "event_id": "\(claim.eventID)", "target": "\(claim.target)",
                    "previous_owner": "\(previous)", "reason": "its lease lapsed without a renewal; the delivery is made again",
                ])
            }
            // More may be due (a burst, a restart's backlog): pass the wake on.
            wakeSignal.wakeOne()
            state.withLock { _ = $0.inHand.insert(claim.deliveryID) }
            deliver(claim, canceller: canceller)
            state.withLock { _ = $0.inHand.remove(claim.deliveryID) }
        }
    }

    private func deliver(_ claim: DeliveryClaim, canceller: ConnectionCanceller) {
        let (endpoint, schedule) = state.withLock { ($0.targets.endpoints[claim.target], $0.schedule) }
        guard let endpoint else {
            // The target left with a reload after the claim: the delivery waits for it.
            try? ledger.releaseDelivery(claim)
            return
        }
        let started = Date()
        let clock = MonotonicClock.nanoseconds()
        let result: DeliveryResult = switch endpoint {
        case .webhook(let webhook):
            webhook.deliver(eventID: claim.eventID, body: claim.body, canceller: canceller)
        case .command(let command):
            command.deliver(eventID: claim.eventID, type: claim.type.name, taskID: claim.taskID, body: claim.body)
        }
        let milliseconds = Double(MonotonicClock.nanoseconds() &- clock) / 1e6
        if !result.delivered && canceller.isCancelled {
            // Cut short by the stop: not an attempt that counts; the next start makes it.
            try? ledger.releaseDelivery(claim)
            return
        }
        let outcome: DeliveryAttempt.Outcome
        if result.delivered {
            outcome = .delivered
        } else if let delay = schedule.delay(afterAttempt: claim.attempt, retryAfter: result.retryAfter) {
            outcome = .retry(at: Date().addingTimeInterval(delay))
        } else {
            outcome = .failed
        }
        let attempt = DeliveryAttempt(outcome: outcome, startedAt: started, durationMilliseconds: milliseconds,
                                      httpStatus: result.httpStatus, exitCode: result.exitCode, error: result.error,
                                      output: result.output)
        do {
            try ledger.recordDeliveryAttempt(claim, attempt)
        } catch where error.isLeaseLost {
            // Another instance took the delivery over while this attempt ran: it makes the
            // delivery again (at least once), and records it.
            logger.warning("notify.lease_lost", metadata: ["task_id": "\(claim.taskID)", "event_id": "\(claim.eventID)",
                                                           "target": "\(claim.target)", "reason": "\(error)"])
            return
        } catch {
            logger.error("notify.ledger_error", metadata: ["step": "record", "task_id": "\(claim.taskID)", "reason": "\(error)"])
        }
        observer(claim.target, outcome)
        log(claim, attempt, result)
    }

    private func log(_ claim: DeliveryClaim, _ attempt: DeliveryAttempt, _ result: DeliveryResult) {
        var metadata: Logger.Metadata = [
            "task_id": "\(claim.taskID)", "event_id": "\(claim.eventID)", "event": "\(claim.type.name)",
            "target": "\(claim.target)", "attempt": "\(claim.attempt)",
            "ms": "\(String(format: "%.1f", attempt.durationMilliseconds))",
        ]
        if let status = result.httpStatus { metadata["http_status"] = "\(status)" }
        if let code = result.exitCode { metadata["exit_code"] = "\(code)" }
        if let error = result.error { metadata["reason"] = "\(error)" }
        if let output = result.output, !result.delivered || claim.target.hasPrefix("command") {
            metadata["output"] = "\(output)"
        }
        switch attempt.outcome {
        case .delivered:
            logger.info("notify.delivered", metadata: metadata)
        case .retry(let at):
            metadata["next_attempt"] = "\(UTCTime.format(at))"
            logger.warning("notify.retry", metadata: metadata)
        case .failed:
            logger.error("notify.failed", metadata: metadata)
        }
    }
}
