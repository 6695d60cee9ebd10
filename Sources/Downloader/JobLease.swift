import HTTPClient
import Synchronization

/// The lease of the job one worker runs. Another instance takes the job over once the
/// lease lapsed (this instance stopped renewing it: cut off from the database, paused,
/// or thought dead); this instance learns so from its renewal (``DownloadService/leaseLost(taskID:owner:)``)
/// or from a write the ledger refused, and the worker stops the job at once: its
/// connection cut, nothing more written about it.
final class JobLease: Sendable {
    let taskID: String
    let canceller: ConnectionCanceller
    private let owner = Mutex<String?>(nil)

    init(taskID: String, canceller: ConnectionCanceller) {
        self.taskID = taskID
        self.canceller = canceller
    }

    /// The instance that holds the job now, once it was lost.
    var lostTo: String? { owner.withLock { $0 } }

    /// The job is `newOwner`'s now: stop it.
    func lose(to newOwner: String) {
        owner.withLock { if $0 == nil { $0 = newOwner } }
        canceller.cancel()
    }
}
