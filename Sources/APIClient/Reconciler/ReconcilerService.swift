import CLinux
import Dispatch
import Foundation
import Ledger
import Logging
import Synchronization
import VideoAPI

/// The reconciler inside `serve`: one thread that runs a pass, sleeps until the next
/// task falls due (at most the poll interval), and runs again. A `completed` callback
/// that waits for verification wakes it at once (``wake()``).
public final class ReconcilerService: Sendable {
    private struct State {
        var started = false
        var stopped = false
    }

    private let reconciler: Reconciler
    private let ledger: Ledger
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init(reconciler: Reconciler, ledger: Ledger, logger: Logger) {
        self.reconciler = reconciler
        self.ledger = ledger
        self.logger = logger
    }

    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in
            // Named from inside, as top -H shows it (see CLinux/linux.h).
            pthread_setname_np(pthread_self(), "vh-reconciler")
            loop()
            finished.signal()
        }
        thread.start()
    }

    /// Runs a pass now instead of at the next due time (unless the API asked to wait).
    public func wake() {
        wakeUp.signal()
    }

    /// Asks the thread to stop after the question in flight and waits for it at most
    /// `timeout` seconds. Returns whether it stopped in time.
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool {
        let running = state.withLock { state -> Bool in
            state.stopped = true
            return state.started
        }
        guard running else { return true }
        wakeUp.signal()
        let stopped = finished.wait(timeout: .now() + timeout) == .success
        if stopped { finished.signal() }
        return stopped
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
            sleep = max(sleep, configuration.minimumInterval)
            _ = wakeUp.wait(timeout: .now() + sleep)
            // Several wake-ups while asleep make one pass, not several.
            while wakeUp.wait(timeout: .now()) == .success {}
        }
    }
}
