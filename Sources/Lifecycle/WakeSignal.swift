import Foundation

/// Wakes a service's idle workers: new work committed, `stop()`, or a timeout (the
/// downloader's and the notifier's pools). A generation count makes a wake between "nothing to do" and "wait" count.
public final class WakeSignal: @unchecked Sendable {
    // Sendable: every access to `generation` holds `condition`'s lock.
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    public init() {}

    public var current: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// Wakes one idle worker: enough for one new job, and the others sleep on.
    public func wakeOne() {
        condition.lock()
        generation &+= 1
        condition.signal()
        condition.unlock()
    }

    public func wakeAll() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until a wake after `seen`, or `seconds`.
    public func wait(after seen: UInt64, seconds: Double) {
        let until = Date(timeIntervalSinceNow: max(0, seconds))
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            if !condition.wait(until: until) { return }
        }
    }
}
