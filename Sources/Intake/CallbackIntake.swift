import Foundation
import HTTP
import Ledger
import Logging
import Server
import Transport
import VideoAPI

/// `POST /callbacks/<token>`: decode the body, record it in the ledger, and answer only
/// once the ledger has committed it. The router has already checked the token.
///
/// | body | ledger | answer |
/// | --- | --- | --- |
/// | a task we understand | event (dedup, state machine, download job) | 200 |
/// | a task we did not submit, with `api.accept_unknown_tasks: false` | rejected_bodies | 403 |
/// | JSON but not a task we understand | unrecognized_callbacks | 202 + warning |
/// | not JSON, not an object, an unsafe id, bad result URLs | rejected_bodies | 400 |
/// | any of these when the ledger cannot write | nothing | 503 + Retry-After |
public final class CallbackIntake: Sendable {
    private let writer: LedgerWriter
    private let logger: Logger
    private let observer: IntakeObserver
    private let policy: CallbackPolicy

    /// - Parameters:
    ///   - observer: told about each outcome (metrics), each new download job (the
    ///     downloader starts at once instead of at its next poll) and each download held
    ///     for verification (the verifier asks the API at once).
    ///   - policy: whether completed callbacks wait for the video API, and whether tasks
    ///     this daemon did not submit are taken.
    public init(writer: LedgerWriter, logger: Logger, observer: IntakeObserver = IntakeObserver(),
                policy: CallbackPolicy = CallbackPolicy()) {
        self.writer = writer
        self.logger = logger
        self.observer = observer
        self.policy = policy
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, respond: Responder) {
        let peer = context.peerDescription
        switch CallbackBody.classify(request.body) {
        case .task(let task):
            let event = TaskEvent(task: task, peer: peer,
                                  trust: policy.verifiesWithAPI ? .needsVerification : .unverified,
                                  unknownTasks: policy.acceptsUnknownTasks ? .accept : .refuse)
            writer.submit(.event(event)) { [self] result in
                answerEvent(result, task: task, context: context, respond: respond)
            }
        case .unrecognized(let reason):
            let body = Data(request.body)
            writer.submit(.unrecognized(UnrecognizedCallback(body: body, reason: reason, peer: peer))) { [self] result in
                switch result {
                case .success:
                    observer.outcome(.unrecognized)
                    logger.warning("callback.unrecognized", metadata: [
                        "reason": "\(reason)", "peer": "\(peer)", "bytes": "\(body.count)", "ms": "\(elapsedMilliseconds(context))",
                    ])
                    respond(.json(status: 202, #"{"received":true,"recognized":false}"#))
                case .failure(let error):
                    answerLedgerFailure(error, context: context, respond: respond)
                }
            }
        case .hostile(let reason, let param):
            let rejected = RejectedBody(statusCode: 400, reason: reason, path: request.head.path,
                                        body: Data(request.body), peer: peer)
            writer.submit(.rejected(rejected)) { [self] result in
                if case .failure(let error) = result {
                    logger.error("callback.rejected_not_kept", metadata: ["reason": "\(error)", "peer": "\(peer)"])
                }
                observer.outcome(.rejected)
                logger.warning("callback.rejected", metadata: [
                    "status": "400", "reason": "\(reason)", "param": "\(param)", "peer": "\(peer)",
                    "ms": "\(elapsedMilliseconds(context))",
                ])
                respond(.apiError(status: 400, message: reason, param: param))
            }
        }
    }

    /// A request to the callback path refused by the HTTP layer (413 over the body limit,
    /// a malformed body framing): kept with its reason, like a rejected body.
    public func recordRefused(status: Int, reason: String, head: HTTPRequestHead?, bodyPrefix: [UInt8],
                              context: RequestContext, declaredLength: Int? = nil) {
        guard let head else { return }
        let peer = context.peerDescription
        let rejected = RejectedBody(statusCode: status, reason: reason, path: head.path, body: Data(bodyPrefix),
                                    declaredLength: declaredLength ?? head.headers["Content-Length"].flatMap { Int($0) },
                                    peer: peer)
        observer.outcome(.rejected)
        writer.submit(.rejected(rejected)) { [logger] result in
            if case .failure(let error) = result {
                logger.error("callback.rejected_not_kept", metadata: ["reason": "\(error)", "peer": "\(peer)"])
            }
        }
        logger.warning("callback.rejected", metadata: ["status": "\(status)", "reason": "\(reason)", "peer": "\(peer)"])
    }

    private func answerEvent(_ result: Result<LedgerOutcome, LedgerError>, task: ValidatedTask,
                             context: RequestContext, respond: Responder) {
        let outcome: LedgerOutcome
        switch result {
        case .failure(let error):
            answerLedgerFailure(error, context: context, respond: respond, task: task)
            return
        case .success(let value):
            outcome = value
        }
        if case .unknownTaskRefused = outcome {
            observer.outcome(.rejected)
            logger.warning("callback.unknown_task_refused", metadata: [
                "task_id": "\(task.id)", "status": "\(task.status.rawValue)", "peer": "\(context.peerDescription)",
                "reason": "not submitted by this daemon and api.accept_unknown_tasks is false",
            ])
            respond(.apiError(status: 403, message: "task \(task.id.rawValue) was not submitted by this receiver",
                              type: "permission_error", param: "id"))
            return
        }
        guard let event = outcome.event else {
            answerLedgerFailure(.writeFailed(reason: "the ledger answered an event with \(outcome)"),
                                context: context, respond: respond, task: task)
            return
        }
        observer.outcome(event.isDuplicate ? .duplicate : .accepted)
        observer.committed(MonotonicClock.nanoseconds() &- context.receivedAt)
        // This runs on the ledger writer's thread, once per callback: the line's fields
        // are only put together when the line will be written.
        if logger.logLevel <= .info {
            var metadata: Logger.Metadata = [
                "task_id": "\(task.id)", "status": "\(task.status.rawValue)", "duplicate": "\(event.isDuplicate)",
                "state": "\(event.statusAfter.rawValue)", "peer": "\(context.peerDescription)",
                "ms": "\(elapsedMilliseconds(context))", "submitted_by_us": "\(event.submittedByUs)",
            ]
            if !event.isDuplicate, !event.advanced {
                // An older or second terminal event: kept as an event, the state unchanged.
                metadata["ignored"] = "older than \(event.statusBefore?.rawValue ?? "-")"
            }
            if let verification = event.verification { metadata["verification"] = "\(verification.rawValue)" }
            if event.downloadJobCreated { metadata["download"] = "queued" }
            if event.downloadHeld { metadata["download"] = "held until the video API confirms the task" }
            logger.info(event.isDuplicate ? "callback.duplicate" : "callback.accepted", metadata: metadata)
        }
        if event.downloadJobCreated { observer.downloadJobCreated(task.id) }
        if event.downloadHeld { observer.verificationRequested(task.id) }
        let body = #"{"received":true,"task_id":"\#(task.id.rawValue)","duplicate":\#(event.isDuplicate),"status":"\#(event.statusAfter.rawValue)"}"#
        respond(.json(status: 200, body))
    }

    private func answerLedgerFailure(_ error: LedgerError, context: RequestContext, respond: Responder,
                                     task: ValidatedTask? = nil) {
        observer.outcome(.unavailable)
        var metadata: Logger.Metadata = ["reason": "\(error)", "peer": "\(context.peerDescription)"]
        if let task { metadata["task_id"] = "\(task.id)" }
        logger.error("callback.not_recorded", metadata: metadata)
        if error.isUnavailable {
            var headers = HTTPHeaders()
            headers.add("Retry-After", "5")
            respond(.apiError(status: 503, message: "the callback could not be recorded now; retry", headers: headers))
        } else {
            respond(.apiError(status: 500, message: "the callback could not be recorded"))
        }
    }

    /// Milliseconds since the request was read, with two decimals ("3.07").
    private func elapsedMilliseconds(_ context: RequestContext) -> String {
        CallbackIntake.milliseconds(MonotonicClock.nanoseconds() &- context.receivedAt)
    }

    /// `String(format:)` goes through Foundation's formatter; this is plain arithmetic.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let hundredths = (nanoseconds + 5_000) / 10_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
