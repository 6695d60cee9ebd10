import Downloader
import Ledger

/// The archive as an S3-compatible bucket: the download's destination when `s3.bucket`
/// is set. Each job's video goes up while it downloads (``PartPump``), and at the end
/// is completed, given its SHA-256, verified with HeadObject, joined by its further
/// results and its sidecar, and only then marked done (``ObjectUploadSession``).
///
/// `serve` makes one with the bucket's client in an ``S3ClientHolder`` and hands it to
/// `DownloadService(destination:)`; on SIGHUP with new credentials it calls
/// `holder.replace(with:)`.
public struct BucketArchive: ArchiveDestination {
    let ledger: Ledger
    let clients: S3ClientHolder
    let configuration: ObjectArchiveConfiguration
    let observer: ObjectArchiveObserver

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
}
