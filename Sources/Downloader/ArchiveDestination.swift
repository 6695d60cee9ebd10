import Foundation
import Hashing
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
/// worker thread, in this order: perhaps ``heldPrefix()`` once, ``videoOpened(path:durableBytes:releasable:)`` once,
/// then any number of ``responseStarted(contentType:offset:)``, ``willDiscard()`` and
/// ``durable(bytes:digestStates:)``, then ``finish(_:)`` when everything was fetched, and
/// last ``end(_:)`` whatever happened (after the outcome is in the ledger).
public protocol ArchiveSession: AnyObject {
    /// The video's first bytes the destination holds elsewhere, with the digest's state at
    /// their end (a bucket's recorded parts, when their bytes may be released): asked when
    /// the partial file is gone or shorter than its record, as after a takeover of the
    /// job from an instance on another host, whose file stayed there. The runner then
    /// makes the file again at that length, those bytes released (holes), and downloads
    /// the rest. 0 (the default): nothing; the download starts over.
    func heldPrefix() -> Int64
    /// The video's bytes are in `path` (the partial file, or the archived file a crash
    /// left in place), and its first `durableBytes` are fsynced and recorded: what a
    /// resume may trust. Called before they are hashed: the answer may say where the
    /// digest resumes (the bytes before it may be released) and at which offsets the
    /// destination wants the digest's state.
    ///
    /// - Parameter releasable: the file is the partial file, whose bytes the destination
    ///   may release from the disk once it holds them elsewhere (recording that in the
    ///   job's `bytes_released` first); false for a file already in the archive, which
    ///   must stay whole.
    func videoOpened(path: String, durableBytes: Int64, releasable: Bool) -> VideoOpening
    /// A response is about to be written to the video file from `offset`.
    func responseStarted(contentType: String?, offset: Int64)
    /// The video file is about to be cut back to nothing (the file changed on the
    /// server): every byte handed on so far is about to be gone.
    func willDiscard()
    /// The video file's first `bytes` are fsynced and recorded as the resume offset;
    /// `digestStates` are the video digest's states at the marks
    /// (``VideoOpening/markInterval``) it passed since the last call, in order, all
    /// within `bytes`.
    ///
    /// May wait before it returns, holding the download back while the destination is
    /// behind (a bucket's parts: ``VideoOpening/markInterval``); it returns at once when
    /// the job's canceller is cancelled.
    func durable(bytes: Int64, digestStates: [SHA256Midstate])
    /// Archives the fetched files and marks the job done in the ledger; returns where
    /// the video went (a path, an `s3://` URL), for the log.
    func finish(_ download: ArchivableDownload) throws(ArchiveFailure) -> String
    /// The attempt is over and its outcome recorded.
    func end(_ ending: ArchiveSessionEnding)
}

extension ArchiveSession {
    public func heldPrefix() -> Int64 { 0 }
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

/// What a destination asks of the video file as it is opened: the file archive asks
/// nothing; a bucket that releases uploaded parts from the disk asks for both.
public struct VideoOpening: Sendable, Equatable {
    /// The video digest's state after the file's first `byteCount` bytes, as the
    /// destination recorded it (a bucket: with the last recorded part): the runner hashes
    /// only the bytes after it. A file whose first bytes were released (the job's
    /// `bytes_released`) can be resumed only from a state that covers them; without one
    /// it starts over. Ignored when it is past the file's durable bytes.
    public var digestState: SHA256Midstate?
    /// The destination wants the digest's state at every multiple of this many bytes (a
    /// bucket's part ends), delivered with ``ArchiveSession/durable(bytes:digestStates:)``,
    /// and a checkpoint as soon as the download passes each one, so that each part is
    /// durable, and can go, as soon as it is whole. Nil: neither.
    public var markInterval: Int64?

    public init(digestState: SHA256Midstate? = nil, markInterval: Int64? = nil) {
        precondition(markInterval.map { $0 > 0 } ?? true, "marks are a positive number of bytes apart")
        self.digestState = digestState
        self.markInterval = markInterval
    }
}
