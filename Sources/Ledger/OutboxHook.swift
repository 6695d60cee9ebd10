import Synchronization

/// Told after a commit that added notification events, so the notifier takes them now
/// rather than at its next poll (the latency a receiver sees is commit to delivery).
final class OutboxHook: Sendable {
    private let handler = Mutex<(@Sendable () -> Void)?>(nil)

    func set(_ new: (@Sendable () -> Void)?) { handler.withLock { $0 = new } }

    func fire() { handler.withLock { $0 }?() }
}
