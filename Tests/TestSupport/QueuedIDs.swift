import Synchronization
import VideoAPI

/// The ids the reconciler reported as queued for download.
public final class QueuedIDs: Sendable {
    public init() {}
    private let ids = Mutex<[TaskID]>([])
    public var all: [TaskID] { ids.withLock { $0 } }
    public func add(_ id: TaskID) { ids.withLock { $0.append(id) } }
}
