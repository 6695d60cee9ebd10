import Synchronization
import VideoAPI

/// The ids the reconciler reported as queued for download.
final class QueuedIDs: Sendable {
    private let ids = Mutex<[TaskID]>([])
    var all: [TaskID] { ids.withLock { $0 } }
    func add(_ id: TaskID) { ids.withLock { $0.append(id) } }
}
