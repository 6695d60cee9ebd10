import Foundation
import Lifecycle
import Logging
import ObjectStore
import Synchronization
import Telemetry

/// Whether the bucket can be written, for `/readyz` and `videohookd_bucket_reachable`:
/// the last bucket check (HeadBucket), re-run every ``interval`` on its own thread and at
/// once after SIGHUP or a failed write, and the last write the store refused.
///
/// - A failed check fails readiness until a check passes.
/// - A write refused for a reason only the operator fixes (credentials, permissions)
///   fails it until a write succeeds or the credentials change: HeadBucket passing does
///   not prove that writing is allowed.
/// - A write that failed for a passing reason (5xx, a reset) fails it until the next
///   check, which it brings forward.
///
/// The first check that passes after one that failed at start runs the deferred
/// stale-upload sweep (``StaleUploadSweep``), if there is one.
final class BucketMonitor: Service, Sendable {
    private enum Check {
        case notYet
        case passed
        case failed(BucketProblem)
    }

    private struct State {
        var check = Check.notYet
        var refusedWrite: BucketProblem?
        var pendingSweep: (@Sendable () -> Void)?
    }

    private let probe: S3ClientHolder
    private let prefix: String
    private let endpoint: String
    let interval: Duration
    private let logger: Logger
    private let metrics: DaemonMetrics
    private let state = Mutex(State())
    private let periodic: PeriodicThread

    var serviceName: String { "bucket-monitor" }

    /// Every 30 s: a fixed bucket is noticed within half a minute, at 2 880 HEAD requests a day.
    static let defaultInterval: Duration = .seconds(30)

    /// - Parameters:
    ///   - probe: the client the checks use (a short response timeout, so that a check never
    ///     holds up the stop); replaced with the pipeline's on SIGHUP.
    ///   - prefix: `s3.prefix`, for the listing that tells a body-less 403 apart.
    init(probe: S3ClientHolder, prefix: String, interval: Duration = BucketMonitor.defaultInterval, logger: Logger,
         metrics: DaemonMetrics) {
        self.probe = probe
        self.prefix = prefix
        self.endpoint = probe.client.endpoint.description
        self.interval = interval
        self.logger = logger
        self.metrics = metrics
        periodic = PeriodicThread(name: "vh-bucket", interval: interval)
    }

    // MARK: Checking

    /// Checks the bucket now, records the outcome, logs a change and returns the problem
    /// (nil: the bucket answers). Runs the deferred sweep after a check that passed.
    @discardableResult
    func check() -> BucketProblem? {
        let client = probe.client
        let problem = Self.problem(client: client, prefix: prefix, endpoint: endpoint)
        let (previous, sweep) = state.withLock { state -> (Check, (@Sendable () -> Void)?) in
            let previous = state.check
            state.check = problem.map { .failed($0) } ?? .passed
            var sweep: (@Sendable () -> Void)?
            if problem == nil {
                // The bucket answers: a passing trouble of a write is over.
                if state.refusedWrite?.error.disposition == .transient { state.refusedWrite = nil }
                sweep = state.pendingSweep
                state.pendingSweep = nil
            }
            return (previous, sweep)
        }
        metrics.bucketReachable(problem == nil)
        logChange(from: previous, to: problem)
        sweep?()
        return problem
    }

    /// HeadBucket; when it is refused without a body (a HEAD answer has none, so a 403
    /// cannot say whether the key, the secret or the policy is wrong), one listing of the
    /// prefix's uploads, whose answer names S3's error code.
    static func problem(client: S3Client, prefix: String, endpoint: String) -> BucketProblem? {
        do {
            try client.headBucket()
            return nil
        } catch {
            guard let status = error.status, (400...499).contains(status), error.code == "Forbidden" || error.code == "BadRequest"
            else { return BucketProblem(error, endpoint: endpoint) }
            do {
                _ = try client.listMultipartUploads(prefix: prefix)
                return BucketProblem(error, endpoint: endpoint)
            } catch let listed {
                // The listing's own code is the precise one (SignatureDoesNotMatch, ...).
                return BucketProblem(listed.code == nil ? error : listed, endpoint: endpoint)
            }
        }
    }

    private func logChange(from previous: Check, to problem: BucketProblem?) {
        switch (previous, problem) {
        case (.passed, nil):
            break // still fine
        case (_, nil):
            logger.notice("s3.bucket_reachable", metadata: ["endpoint": "\(endpoint)"])
        case (.failed(let old), let new?) where old.isSame(as: new):
            break // the same problem: said once, not every 30 s
        case (_, let new?):
            logger.error("s3.bucket_unreachable", metadata: [
                "reason": "\(new)", "code": "\(new.error.code ?? "-")",
                "next_check_s": "\(Int(interval.seconds))",
            ])
        }
    }

    /// The deferred sweep, run after the first check that passes.
    func deferSweep(_ sweep: @escaping @Sendable () -> Void) {
        state.withLock { $0.pendingSweep = sweep }
    }

    // MARK: What writes report

    /// A write to the bucket worked: a refusal no longer stands.
    func writeSucceeded() {
        state.withLock { $0.refusedWrite = nil }
    }

    /// A write failed. A refusal only the operator fixes, or a passing trouble, makes
    /// `/readyz` fail; a request that could never succeed as sent says nothing of the
    /// bucket. A passing trouble brings the next check forward.
    func writeFailed(_ error: S3Error) {
        guard error.disposition != .failed else { return }
        state.withLock { $0.refusedWrite = BucketProblem(error, endpoint: endpoint) }
        if error.disposition == .transient { periodic.wake() }
    }

    /// New credentials (SIGHUP): the last refusal was the old key's; check again now.
    func credentialsReplaced() {
        state.withLock { $0.refusedWrite = nil }
        periodic.wake()
    }

    /// Check again now (SIGHUP), on the monitor's thread.
    func checkSoon() {
        periodic.wake()
    }

    /// What `/readyz` says under `bucket`; nil while the bucket can be written.
    var readinessProblem: String? {
        state.withLock { state in
            if case .failed(let problem) = state.check { return problem.description }
            if let refused = state.refusedWrite { return "the last write was refused: \(refused)" }
            return nil
        }
    }

    // MARK: Service

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
