import Foundation
import Ledger

/// Where a submitted task stands as `submit --wait` tells it: read from what the ledger
/// holds (the task's row, its download job, its object upload), which `serve` writes as
/// callbacks, the reconciler's answers and the downloader move it along. A pure function
/// of one ``TaskDetail``, so every phase is tested without a daemon.
enum WaitPhase: Equatable, Sendable {
    /// `pending` at the video API.
    case queued
    /// `processing`, with the API's progress when a body said it.
    case running(progress: Int?)
    /// A `completed` callback came; its download waits until the API confirms it.
    case confirming
    /// Completed and confirmed; the download job waits for a worker.
    case videoReady
    /// The download failed `failedAttempts` times and waits for its next attempt.
    case retrying(failedAttempts: Int, lastError: String?, nextAttempt: Date)
    /// The video is being fetched (and, with a bucket, uploaded as it comes).
    case downloading(bytes: Int64, total: Int64?, uploaded: Int64?)
    /// Every byte is in; the checksum and the move into the archive (or the bucket's
    /// completion and HeadObject's check) are under way.
    case verifying(bytes: Int64)
    /// In the archive: a file's path, or the object's `s3://bucket/key`.
    case archived(location: String, bytes: Int64, sha256: String?)
    case taskFailed(code: String?, message: String?)
    case taskCancelled(code: String?, message: String?)
    /// Completed, but nothing will be downloaded: the API contradicted the callback, or
    /// the task named no video.
    case nothingToDownload(reason: String)
    /// The download job failed for good (an expired link, a refused file, the size limit).
    case downloadFailed(reason: String?)

    init(_ detail: TaskDetail) {
        let task = detail.task
        switch task.status {
        case .pending:
            self = .queued
        case .processing:
            self = .running(progress: task.progress)
        case .failed:
            self = .taskFailed(code: task.errorCode, message: task.errorMessage)
        case .cancelled:
            self = .taskCancelled(code: task.errorCode, message: task.errorMessage)
        case .completed:
            guard let job = detail.downloadJob else {
                // The job is created in the same transaction as the verdict that allows
                // it: with a verdict and still no job, none will come.
                switch task.verification {
                case .pending:
                    self = .confirming
                case .contradicted:
                    self = .nothingToDownload(reason: task.verificationNote ?? "the video API contradicted the callback")
                case .verified, .unverified, nil:
                    self = task.results.isEmpty
                        ? .nothingToDownload(reason: "the task completed without a video URL")
                        : .videoReady
                }
                return
            }
            switch job.state {
            case .queued:
                self = job.attempts > 0
                    ? .retrying(failedAttempts: job.attempts, lastError: job.lastError, nextAttempt: job.nextAttemptAt)
                    : .videoReady
            case .running:
                if let total = job.bytesTotal, total > 0, job.bytesDone >= total {
                    self = .verifying(bytes: job.bytesDone)
                } else {
                    self = .downloading(bytes: job.bytesDone, total: job.bytesTotal,
                                        uploaded: detail.objectUpload?.bytesUploaded)
                }
            case .done:
                self = .archived(location: job.archivePath ?? "(no path recorded)", bytes: job.bytesDone, sha256: job.sha256)
            case .failed:
                self = .downloadFailed(reason: job.lastError)
            }
        }
    }

    /// What a plain line is written for when it changes: the case, and for a retry
    /// which attempt it follows.
    var name: String {
        switch self {
        case .queued: "queued"
        case .running: "running"
        case .confirming: "confirming"
        case .videoReady: "video-ready"
        case .retrying(let failedAttempts, _, _): "retrying-\(failedAttempts)"
        case .downloading: "downloading"
        case .verifying: "verifying"
        case .archived: "archived"
        case .taskFailed: "failed"
        case .taskCancelled: "cancelled"
        case .nothingToDownload: "not-downloaded"
        case .downloadFailed: "download-failed"
        }
    }

    /// How far the phase's own measure is, 0...1: the API's progress while running, the
    /// bytes while downloading; nil where there is nothing to measure.
    var fraction: Double? {
        switch self {
        case .running(let progress):
            progress.map { Double(min(max($0, 0), 100)) / 100 }
        case .downloading(let bytes, let total, _):
            total.flatMap { $0 > 0 ? min(Double(bytes) / Double($0), 1) : nil }
        case .verifying, .archived:
            1
        default:
            nil
        }
    }

    /// The exit status the wait ends with; nil while the task goes on.
    var exitStatus: SubmitExitStatus? {
        switch self {
        case .archived: .created
        case .taskFailed: .taskFailed
        case .taskCancelled: .taskCancelled
        case .nothingToDownload: .nothingToDownload
        case .downloadFailed: .downloadFailed
        case .queued, .running, .confirming, .videoReady, .retrying, .downloading, .verifying: nil
        }
    }
}
