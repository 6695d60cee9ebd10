import Synchronization

/// One named thread that runs its work every `interval`, and at once when woken: the loop
/// under the daemon's periodic services (the bucket and ledger monitors, the instance's
/// lease renewals). A wake during a run brings the next run straight after it, since the
/// wake is counted before each wait.
public final class PeriodicThread: Sendable {
    private struct State {
        var thread: NamedThread?
        var stopped = false
    }

    private let name: String
    private let interval: Duration
    private let state = Mutex(State())
    private let wakeUp = WakeSignal()

    public init(name: String, interval: Duration) {
        self.name = name
        self.interval = interval
    }

    /// Starts the thread running `work` (held by the thread only, so a service may pass
    /// a closure that captures itself); a second call, or one after ``beginStopping()``,
    /// does nothing.
    public func start(_ work: @escaping @Sendable () -> Void) throws {
        try state.withLock { state in
            guard state.thread == nil, !state.stopped else { return }
            // Counted here, not on the new thread: a wake between this return and the
            // thread's first wait would otherwise be taken as already seen, and lost.
            let seen = wakeUp.current
            state.thread = try NamedThread.start(name) { [self] in loop(work, after: seen) }
        }
    }

    /// Runs the work again now, on the thread (or as soon as the run in progress ends).
    public func wake() {
        wakeUp.wakeAll()
    }

    /// No further run begins; a run in progress finishes.
    public func beginStopping() {
        state.withLock { $0.stopped = true }
        wakeUp.wakeAll()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        guard let running = state.withLock({ $0.thread }) else { return true }
        return running.waitUntilFinished(timeout: timeout)
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private var seconds: Double {
        let (whole, fraction) = interval.components
        return Double(whole) + Double(fraction) / 1e18
    }

    private func loop(_ work: @Sendable () -> Void, after started: UInt64) {
        var seen = started
        while !isStopped {
            wakeUp.wait(after: seen, seconds: seconds)
            seen = wakeUp.current
            if isStopped { return }
            work()
        }
    }
}
