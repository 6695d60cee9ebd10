import APIClient
import Foundation
import Ledger
import Logging
import VideoAPI

/// Asks the video API about the tasks the ledger is waiting on, one pass at a time:
///
/// - **verifications**: a `completed` callback arrived while an API key was set; its
///   download waits until the API says the same (``VerificationJudge``). The download is
///   then queued from the API's URLs, never from the callback's.
/// - **overdue tasks**: no terminal state past `created` + estimated time + grace (the
///   callback may be lost: the API gives up after about 7 s of retries). The API's answer
///   goes through the same path as a callback (``TaskEventSink``), so dedup and the state
///   machine hold, and a first `completed` queues the download.
///
/// Each task has its own backoff, kept in the ledger; asking stops once the task ends,
/// once the API says it has no such task, or once its link would have expired. A 429 or
/// 503 pauses the whole pass: the API asked everyone to wait.
public final class Reconciler: Sendable {
    public let configuration: ReconcilerConfiguration
    private let ledger: Ledger
    private let sink: any TaskEventSink
    private let client: VideoAPIClient
    private let logger: Logger
    private let onDownloadQueued: @Sendable (TaskID) -> Void

    /// - Parameters:
    ///   - sink: where the API's answers are recorded, as callbacks are.
    ///   - client: best with ``APIRetryPolicy/once``: the per-task backoff does the waiting.
    ///   - onDownloadQueued: a download job was created (wake the downloader).
    public init(ledger: Ledger, sink: any TaskEventSink, client: VideoAPIClient,
                configuration: ReconcilerConfiguration = ReconcilerConfiguration(), logger: Logger,
                onDownloadQueued: @escaping @Sendable (TaskID) -> Void = { _ in }) {
        self.ledger = ledger
        self.sink = sink
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.onDownloadQueued = onDownloadQueued
    }

    /// One pass: stops asking about expired tasks, then asks about the due ones.
    /// - Parameters:
    ///   - ignoringBackoff: ask about every overdue task now (`videohookd reconcile`).
    ///   - shouldStop: checked between tasks, so a stopping daemon does not wait for a batch.
    public func runPass(now: Date = Date(), ignoringBackoff: Bool = false,
                        shouldStop: () -> Bool = { false }) -> ReconcilePass {
        var pass = ReconcilePass()
        let schedule = configuration.schedule
        do {
            for expired in try ledger.endExpiredChecks(schedule: schedule, now: now) {
                let note = expired.reason == .verification
                    ? "the API did not confirm the completed callback before the link expired; nothing was downloaded"
                    : "no terminal state before the link would have expired; no longer asking the API"
                logger.warning("reconcile.gave_up", metadata: [
                    "task_id": "\(expired.taskID)", "reason": "\(expired.reason.rawValue)", "note": "\(note)",
                ])
                pass.findings.append(ReconcileFinding(taskID: expired.taskID, reason: expired.reason,
                                                      ledgerStatus: expired.status, outcome: .gaveUp, note: note))
            }
            let due = try ledger.tasksToCheck(schedule: schedule, now: now, limit: configuration.batchSize,
                                              ignoringBackoff: ignoringBackoff)
            for check in due {
                if shouldStop() {
                    pass.stoppedEarly = "the daemon is stopping"
                    break
                }
                let (finding, pause) = try ask(check, now: now)
                pass.findings.append(finding)
                if let pause {
                    pass.pausedUntil = pause.until
                    pass.stoppedEarly = pause.reason
                    break
                }
            }
        } catch {
            pass.ledgerProblem = error.description
            logger.error("reconcile.ledger_failed", metadata: ["reason": "\(error)"])
        }
        return pass
    }

    private struct Pause {
        var until: Date
        var reason: String
    }

    // MARK: One task

    private func ask(_ check: TaskCheck, now: Date) throws(LedgerError) -> (ReconcileFinding, Pause?) {
        let answer: ValidatedTask
        do {
            answer = try client.task(check.taskID)
        } catch {
            return try failed(check, error, now: now)
        }
        // The answer takes the callback's path into the ledger: recorded as an event,
        // deduplicated, and applied only if it moves the task forward.
        let event = TaskEvent(task: answer, peer: "api (reconciler)", receivedAt: now, trust: .fromAPI)
        let outcome = try sink.record(event).get().event
        if outcome?.downloadJobCreated == true { onDownloadQueued(check.taskID) }
        switch check.reason {
        case .verification:
            return (try verify(check, answer: answer, now: now), nil)
        case .overdue:
            return (try reconcile(check, answer: answer, outcome: outcome, now: now), nil)
        }
    }

    private func verify(_ check: TaskCheck, answer: ValidatedTask, now: Date) throws(LedgerError) -> ReconcileFinding {
        let id = check.taskID
        switch VerificationJudge.judge(claimedResults: check.results, answer: answer) {
        case .confirmed:
            let queued = try ledger.recordVerification(
                VerificationVerdict(taskID: id, verification: .verified, apiAnswer: answer), now: now)
            if queued { onDownloadQueued(id) }
            logger.info("callback.verified", metadata: [
                "task_id": "\(id)", "download": "\(queued ? "queued from the API's URL" : "already queued")",
            ])
            return ReconcileFinding(taskID: id, reason: .verification, ledgerStatus: check.status,
                                    apiStatus: answer.status, outcome: .verified, downloadQueued: queued,
                                    note: "the video API confirmed the callback")
        case .contradicted(let reason, let downloadsAPIVideo):
            let queued = try ledger.recordVerification(
                VerificationVerdict(taskID: id, verification: .contradicted, note: reason,
                                    apiAnswer: downloadsAPIVideo ? answer : nil), now: now)
            if queued { onDownloadQueued(id) }
            logger.warning("callback.contradicted", metadata: [
                "task_id": "\(id)", "api_status": "\(answer.status.rawValue)", "reason": "\(reason)",
                "download": "\(queued ? "queued from the API's URL" : "none")",
            ])
            return ReconcileFinding(taskID: id, reason: .verification, ledgerStatus: check.status,
                                    apiStatus: answer.status, outcome: .contradicted, downloadQueued: queued,
                                    note: reason)
        case .notYet(let reason):
            let next = schedule(check, backoff: configuration.verificationBackoff, retryAfter: nil, now: now)
            try ledger.scheduleCheck(taskID: id, attempts: check.attempts + 1, nextCheckAt: next, note: reason, now: now)
            logger.warning("callback.unconfirmed", metadata: [
                "task_id": "\(id)", "api_status": "\(answer.status.rawValue)", "reason": "\(reason)",
                "download": "held", "next_check": "\(Self.seconds(until: next, from: now))",
            ])
            return ReconcileFinding(taskID: id, reason: .verification, ledgerStatus: check.status,
                                    apiStatus: answer.status, outcome: .awaitingAPI, note: reason, nextCheckAt: next)
        }
    }

    private func reconcile(_ check: TaskCheck, answer: ValidatedTask, outcome: EventOutcome?,
                           now: Date) throws(LedgerError) -> ReconcileFinding {
        let id = check.taskID
        let queued = outcome?.downloadJobCreated ?? false
        if answer.status.isTerminal {
            let note = "the video API says \(answer.status.rawValue)"
                + (answer.object.error?.code.map { " (\($0))" } ?? "")
                + (queued ? "; download queued" : "")
            try ledger.endChecks(taskID: id, note: note, now: now)
            let advanced = outcome?.advanced ?? false
            logger.notice(advanced ? "reconcile.found" : "reconcile.unchanged", metadata: [
                "task_id": "\(id)", "status": "\(answer.status.rawValue)", "before": "\(check.status.rawValue)",
                "download": "\(queued ? "queued" : "none")",
            ])
            return ReconcileFinding(taskID: id, reason: .overdue, ledgerStatus: check.status, apiStatus: answer.status,
                                    outcome: advanced ? .advanced : .unchanged, downloadQueued: queued, note: note)
        }
        let progress = answer.object.progress.map { " (\($0)%)" } ?? ""
        let note = "the video API says \(answer.status.rawValue)\(progress)"
        let next = schedule(check, backoff: configuration.overdueBackoff, retryAfter: nil, now: now)
        try ledger.scheduleCheck(taskID: id, attempts: check.attempts + 1, nextCheckAt: next, note: note, now: now)
        logger.info("reconcile.still_running", metadata: [
            "task_id": "\(id)", "status": "\(answer.status.rawValue)", "next_check": "\(Self.seconds(until: next, from: now))",
        ])
        return ReconcileFinding(taskID: id, reason: .overdue, ledgerStatus: check.status, apiStatus: answer.status,
                                outcome: .stillRunning, note: note, nextCheckAt: next)
    }

    private func failed(_ check: TaskCheck, _ error: APIClientError, now: Date) throws(LedgerError)
        -> (ReconcileFinding, Pause?) {
        let id = check.taskID
        if let failure = error.failure, failure.kind == .notFound {
            let note = "the video API knows no task \(id)"
            if check.reason == .verification {
                let reason = note + "; the callback is not downloaded"
                try ledger.recordVerification(VerificationVerdict(taskID: id, verification: .contradicted, note: reason),
                                              now: now)
                logger.warning("callback.contradicted", metadata: [
                    "task_id": "\(id)", "reason": "\(reason)", "download": "none",
                ])
                return (ReconcileFinding(taskID: id, reason: .verification, ledgerStatus: check.status,
                                         outcome: .contradicted, note: reason), nil)
            }
            try ledger.endChecks(taskID: id, note: note + "; no longer asking", now: now)
            logger.warning("reconcile.unknown_to_api", metadata: ["task_id": "\(id)", "note": "\(note)"])
            return (ReconcileFinding(taskID: id, reason: check.reason, ledgerStatus: check.status,
                                     outcome: .unknownToAPI, note: note), nil)
        }
        let backoff = check.reason == .verification ? configuration.verificationBackoff : configuration.overdueBackoff
        let retryAfter = error.failure?.retryAfter
        let next = schedule(check, backoff: backoff, retryAfter: retryAfter, now: now)
        let note = error.description
        try ledger.scheduleCheck(taskID: id, attempts: check.attempts + 1, nextCheckAt: next, note: note, now: now)
        var pause: Pause?
        if let kind = error.failure?.kind {
            switch kind {
            case .rateLimited, .unavailable:
                let wait = retryAfter ?? backoff.delay(afterAttempts: 1)
                pause = Pause(until: now.addingTimeInterval(wait), reason: "the video API asked to wait (HTTP \(kind.status ?? 0))")
            case .unauthenticated, .insufficientQuota:
                // Every question would fail the same way until the operator acts.
                pause = Pause(until: now.addingTimeInterval(configuration.pollInterval),
                              reason: "the video API refused the key (HTTP \(kind.status ?? 0))")
            default:
                break
            }
        }
        let level: Logger.Level = pause != nil && error.failure?.kind != .rateLimited ? .error : .warning
        logger.log(level: level, "reconcile.ask_failed", metadata: [
            "task_id": "\(id)", "reason": "\(note)", "next_check": "\(Self.seconds(until: next, from: now))",
        ])
        return (ReconcileFinding(taskID: id, reason: check.reason, ledgerStatus: check.status, outcome: .askFailed,
                                 note: note, nextCheckAt: next), pause)
    }

    private func schedule(_ check: TaskCheck, backoff: CheckBackoff, retryAfter: Double?, now: Date) -> Date {
        now.addingTimeInterval(backoff.delay(afterAttempts: check.attempts + 1, retryAfter: retryAfter))
    }

    private static func seconds(until date: Date, from now: Date) -> String {
        "\(Int(date.timeIntervalSince(now).rounded()))s"
    }
}
