import Archive
import Ledger
import Logging
import ObjectStore

/// One job's upload: what the session and its part pump share, none of it mutable.
struct UploadTarget: Sendable {
    let taskID: String
    let bucket: String
    /// The video's key.
    let key: String
    let ledger: Ledger
    let clients: S3ClientHolder
    let configuration: ObjectArchiveConfiguration
    let observer: ObjectArchiveObserver
    let logger: Logger

    var url: String { ArchivedObject.url(bucket: bucket, key: key) }

    /// Every object of the job carries its task id, so a bucket listing or a sweep can
    /// tell whose it is.
    var taskMetadata: [String: String] { ["task-id": taskID] }

    func metadata(sha256: String) -> [String: String] { ["task-id": taskID, "sha256": sha256] }

    /// Logs a refusal and tells the observer (metrics).
    func noteFailure(_ failure: UploadFailure, step: String) {
        if let error = failure.storeError { observer.uploadFailed(error) }
        logger.warning("upload.error", metadata: ["step": "\(step)", "reason": "\(failure.reason)",
                                                  "disposition": "\(failure.disposition)"])
    }

    /// Drops the upload from the ledger and, best effort, from the store: the next
    /// attempt starts a new one. An abort that fails leaves the upload to the sweep at
    /// start, which aborts what the ledger does not know.
    func abandon(reason: String) {
        let forgotten: ObjectUploadRecord?
        do {
            forgotten = try ledger.abandonObjectUpload(taskID: taskID)
        } catch {
            logger.error("upload.ledger_error", metadata: ["step": "abandon", "reason": "\(error)"])
            return
        }
        guard let forgotten else { return }
        if let uploadID = forgotten.uploadID, forgotten.bucket == bucket {
            try? clients.client.abortMultipartUpload(key: forgotten.key, uploadID: uploadID)
        }
        logger.notice("upload.abandoned", metadata: ["url": "\(forgotten.url)", "reason": "\(reason)",
                                                     "parts": "\(forgotten.partsCount)"])
    }
}
