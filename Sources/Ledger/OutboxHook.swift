import Synchronization

/// Told after a commit that added notification events, so the notifier takes them now
/// rather than at its next poll (the latency a receiver sees is commit to delivery).
///
/// With no active target an event queues no delivery, and waking the notifier would
/// only have it look for work (a write transaction each time) after every commit: on
/// a daemon without targets that cost about a tenth of the CPU of a completed
/// callback. So the hook stays quiet until the targets are known to include one.
final class OutboxHook: Sendable {
    private let handler = Mutex<(@Sendable () -> Void)?>(nil)
    /// Until the targets are set, assume there are some: a wake too many costs a look,
    /// a wake too few a delivery's latency.
    private let targetsActive = Atomic<Bool>(true)

    func set(_ new: (@Sendable () -> Void)?) { handler.withLock { $0 = new } }

    func setTargetsActive(_ active: Bool) { targetsActive.store(active, ordering: .relaxed) }

    func fire() {
        guard targetsActive.load(ordering: .relaxed) else { return }
        handler.withLock { $0 }?()
    }
}
