import Foundation
import HTTPClient
import Logging

/// Where a finished download goes: the file archive (``FilesystemArchive``, the
/// default) or, from `ObjectArchive`, a bucket. The job runner knows only this seam: it
/// opens a session per attempt, tells it about the video's bytes as they become durable,
/// hands it the fetched files at the end, and says how the attempt ended.
public protocol ArchiveDestination: Sendable {
    /// A session for one attempt of one job, begun before its video is opened.
    func begin(_ job: ArchiveJob) -> any ArchiveSession
}

/// What a destination knows of a job when its attempt begins.
public struct ArchiveJob: Sendable {
    public var taskID: String
    /// The task's `created` (unix seconds), which names the archive's day.
    public var createdUnixSeconds: Int64
    /// This attempt's number, 1 for the first.
    public var attempt: Int
    /// The job's logger: every line carries `task_id`.
    public var logger: Logger
    /// The worker's canceller, cancelled when the daemon stops: a session's own
    /// requests on the worker's thread go through it (the download's connection is
    /// closed by then), and a session that waits stops waiting and throws
    /// ``ArchiveFailure/Kind/stopped``.
    public var canceller: ConnectionCanceller

    public init(taskID: String, createdUnixSeconds: Int64, attempt: Int, logger: Logger, canceller: ConnectionCanceller) {
        self.taskID = taskID
        self.createdUnixSeconds = createdUnixSeconds
        self.attempt = attempt
        self.logger = logger
        self.canceller = canceller
    }
}

/// One attempt of one job, seen by its destination. Every call comes from the job's
/// worker thread, in this order: ``videoOpened(path:durableBytes:)`` once, then any
/// number of ``responseStarted(contentType:offset:)``, ``willDiscard()`` and
/// ``durable(bytes:)``, then ``finish(_:)`` when everything was fetched, and last
/// ``end(_:)`` whatever happened (after the outcome is in the ledger).
public protocol ArchiveSession: AnyObject {
    /// The video's bytes are in `path` (the partial file, or the archived file a crash
    /// left in place), and its first `durableBytes` are fsynced and recorded: what a
    /// resume may trust.
    func videoOpened(path: String, durableBytes: Int64)
    /// A response is about to be written to the video file from `offset`.
    func responseStarted(contentType: String?, offset: Int64)
    /// The video file is about to be cut back to nothing (the file changed on the
    /// server): every byte handed on so far is about to be gone.
    func willDiscard()
    /// The video file's first `bytes` are fsynced and recorded as the resume offset.
    func durable(bytes: Int64)
    /// Archives the fetched files and marks the job done in the ledger; returns where
    /// the video went (a path, an `s3://` URL), for the log.
    func finish(_ download: ArchivableDownload) throws(ArchiveFailure) -> String
    /// The attempt is over and its outcome recorded.
    func end(_ ending: ArchiveSessionEnding)
}

/// How an attempt ended, as the runner recorded it.
public enum ArchiveSessionEnding: Sendable, Equatable {
    case done
    /// Stopped at a resumable point (SIGTERM, a pause for disk space).
    case stopped
    /// Queued again, due at `at`, for `reason`.
    case retrying(at: Date, reason: String)
    /// Failed for good: the partial files are removed.
    case failed(reason: String)
}
