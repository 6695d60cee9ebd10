import Downloader
import Ledger
import ObjectStore

/// Why a step of an object upload failed: the store's refusal (with S3's disposition),
/// or the ledger or the local file, which count as passing troubles.
struct UploadFailure: Error, Sendable, CustomStringConvertible {
    var reason: String
    var disposition: S3Error.Disposition
    /// S3's error code, when the store answered.
    var code: String?
    /// The store's own error, when it was one (not the ledger, not a local file).
    var storeError: S3Error?

    init(_ error: S3Error) {
        reason = error.description
        disposition = error.disposition
        code = error.code
        storeError = error
    }

    init(ledger error: LedgerError) {
        reason = "the ledger: \(error)"
        disposition = .transient
    }

    init(_ reason: String, disposition: S3Error.Disposition = .transient) {
        self.reason = reason
        self.disposition = disposition
    }

    var description: String { reason }

    /// The upload as it stands cannot go on (a gone upload, a refused part list): the
    /// next attempt starts a new one.
    var startsOver: Bool { disposition == .failed }

    /// What the job does: wait with backoff, whatever the link's expiry (the video is
    /// whole, on the disk or in recorded parts, by the time an upload failure ends an
    /// attempt; one whose released parts the store lost downloads again).
    var archiveFailure: ArchiveFailure {
        ArchiveFailure(.waiting, "uploading to the object store: \(reason)")
    }
}
