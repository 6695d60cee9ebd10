import Downloader
import Ledger
import ObjectStore
import Synchronization

/// The archive as an S3-compatible bucket: the download's destination when `s3.bucket`
/// is set. Each job's video goes up while it downloads (``PartPump``), each recorded
/// part released from the disk and the download held to about two parts ahead (unless
/// `keep_local`), and at the end is completed, given its SHA-256, verified with
/// HeadObject, joined by its further results and its sidecar, and only then marked done
/// (``ObjectUploadSession``).
///
/// `serve` makes one with the bucket's client in an ``S3ClientHolder`` and hands it to
/// `DownloadService(destination:)`; on SIGHUP with new credentials it calls
/// `holder.replace(with:)`.
public struct BucketArchive: ArchiveDestination {
    let ledger: Ledger
    let clients: S3ClientHolder
    let configuration: ObjectArchiveConfiguration
    let observer: ObjectArchiveObserver
    /// Jobs whose last attempt the store refused, waiting on their backoff.
    let waiting = WaitingTasks()

    public init(ledger: Ledger, clients: S3ClientHolder, configuration: ObjectArchiveConfiguration,
                observer: ObjectArchiveObserver = ObjectArchiveObserver()) {
        self.ledger = ledger
        self.clients = clients
        self.configuration = configuration
        self.observer = observer
    }

    public func begin(_ job: ArchiveJob) -> any ArchiveSession {
        ObjectUploadSession(archive: self, job: job)
    }

    /// Makes every job that waits because the store refused it due now, instead of at
    /// the end of its backoff (up to `retryMaxDelay`): `serve` calls it after
    /// `S3ClientHolder.replace(with:)` with fixed credentials, then wakes the download
    /// service. Returns how many jobs were made due.
    @discardableResult
    public func retryWaitingJobsNow() throws(LedgerError) -> Int {
        try ledger.makeQueuedDownloadsDue(taskIDs: waiting.all)
    }
}

/// The task ids of jobs waiting on the store, shared by the sessions of one archive.
final class WaitingTasks: Sendable {
    private let ids = Mutex<Set<String>>([])

    func insert(_ taskID: String) { ids.withLock { _ = $0.insert(taskID) } }
    func remove(_ taskID: String) { ids.withLock { _ = $0.remove(taskID) } }
    var all: Set<String> { ids.withLock { $0 } }
}
