import APIClient
import Dispatch
import Foundation
import Ledger
import Lifecycle
import Logging
import Synchronization
import VideoAPI

/// The reconciler inside `serve`: one thread that runs a pass, sleeps until the next
/// task falls due (at most the poll interval), and runs again. A `completed` callback
/// that waits for verification wakes it at once (``wake()``).
public final class ReconcilerService: Service, Sendable {
    private struct State {
        var stopped = false
    }

    private let reconciler: Reconciler
    private let ledger: Ledger
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let thread = Mutex<NamedThread?>(nil)
    private let turn: ReconcilerTurn?

    public var serviceName: String { "reconciler" }

    /// - Parameter turn: with several instances on one ledger, whether this one may run
    ///   a pass (only one does at a time); nil runs every pass.
    public init(reconciler: Reconciler, ledger: Ledger, logger: Logger, turn: ReconcilerTurn? = nil) {
        self.reconciler = reconciler
        self.ledger = ledger
        self.logger = logger
        self.turn = turn
    }

    /// Starts the thread; a second call does nothing.
    public func start() throws {
        try thread.withLock { thread in
            guard thread == nil, !state.withLock({ $0.stopped }) else { return }
            thread = try NamedThread.start("vh-reconciler") { [self] in loop() }
        }
    }

    /// Runs a pass now instead of at the next due time (unless the API asked to wait).
    public func wake() {
        wakeUp.signal()
    }

    /// Asks the thread to stop after the question in flight and waits for it at most
    /// `timeout` seconds. Returns whether it stopped in time.
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool {
        beginStopping()
        return waitUntilStopped(timeout: .milliseconds(Int64(timeout * 1000)))
    }

    /// The pass in flight ends after its current question; no new pass starts.
    public func beginStopping() {
        state.withLock { $0.stopped = true }
        wakeUp.signal()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        guard let running = thread.withLock({ $0 }) else { return true }
        return running.waitUntilFinished(timeout: timeout)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func loop() {
        let configuration = reconciler.configuration
        var pausedUntil: Date?
        while !isStopped {
            if let until = pausedUntil, until > Date() {
                // The API asked to wait: a wake-up does not cut that short.
                _ = wakeUp.wait(timeout: .now() + until.timeIntervalSinceNow)
                continue
            }
            pausedUntil = nil
            if let turn, !turn.take() {
                // Another instance reconciles; ask again later, in case it dies.
                _ = wakeUp.wait(timeout: .now() + turn.retryInterval)
                while wakeUp.wait(timeout: .now()) == .success {}
                continue
            }
            let pass = reconciler.runPass(now: Date(), shouldStop: { isStopped })
            if !pass.findings.isEmpty {
                var metadata: Logger.Metadata = ["tasks": "\(pass.findings.count)"]
                for outcome in ReconcileFinding.Outcome.allCases where pass.count(outcome) > 0 {
                    metadata[outcome.rawValue] = "\(pass.count(outcome))"
                }
                if let reason = pass.stoppedEarly { metadata["stopped_early"] = "\(reason)" }
                logger.info("reconcile.pass", metadata: metadata)
            }
            var sleep = configuration.pollInterval
            if let due = try? ledger.nextCheckDue(schedule: configuration.schedule) {
                sleep = min(sleep, due.timeIntervalSinceNow)
            }
            if let until = pass.pausedUntil {
                pausedUntil = until
                sleep = max(sleep, until.timeIntervalSinceNow)
            }
            if let turn { sleep = min(sleep, turn.pollInterval) }
            sleep = max(sleep, configuration.minimumInterval)
            _ = wakeUp.wait(timeout: .now() + sleep)
            // Several wake-ups while asleep make one pass, not several.
            while wakeUp.wait(timeout: .now()) == .success {}
        }
    }
}
