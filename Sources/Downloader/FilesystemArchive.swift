import Archive
import Foundation
import Hashing
import Ledger
import Logging

/// The file archive: each file renamed into `<archive>/<yyyy>/<mm>/<dd>/` (further
/// results first, the video last), then the sidecar written the same way, then the job
/// `done` in the ledger with the video's path. What the downloader has always done; the
/// object archive uses ``place(_:object:)`` too when it keeps a local copy.
public struct FilesystemArchive: ArchiveDestination {
    public let layout: ArchiveLayout
    private let ledger: Ledger

    public init(archiveDirectory: String, ledger: Ledger) {
        layout = ArchiveLayout(root: archiveDirectory)
        self.ledger = ledger
    }

    public func begin(_ job: ArchiveJob) -> any ArchiveSession {
        Session(archive: self, job: job)
    }

    /// Renames every file into place and writes the sidecar (naming `object` when the
    /// video is also in a bucket). Returns the video's and the sidecar's paths.
    public func place(_ download: ArchivableDownload,
                      object: ArchivedObject? = nil) throws(ArchiveFailure) -> (video: String, sidecar: String) {
        let taskID = download.taskID
        let created = download.createdUnixSeconds
        do {
            var extraFiles: [Int: String] = [:]
            for extra in download.extras {
                let path = try layout.extraPath(taskID: taskID, createdUnixSeconds: created, index: extra.index,
                                                fileExtension: extra.fileExtension)
                try ArchiveFileSystem.moveIntoPlace(extra.path, to: path)
                extraFiles[extra.index] = (path as NSString).lastPathComponent
            }
            if !download.video.alreadyInPlace {
                try ArchiveFileSystem.moveIntoPlace(download.video.path, to: download.video.archivePath)
            }
            let sidecar = download.sidecar(videoFile: (download.video.archivePath as NSString).lastPathComponent,
                                           extraFiles: extraFiles, object: object)
            let sidecarPath = try layout.sidecarPath(taskID: taskID, createdUnixSeconds: created)
            try ArchiveFileSystem.writeAtomically(sidecar.encoded(), to: sidecarPath,
                                                  through: try layout.sidecarTemporaryPath(taskID: taskID))
            return (download.video.archivePath, sidecarPath)
        } catch let error as ArchiveError {
            throw ArchiveFailure(error)
        } catch {
            throw ArchiveFailure(.permanent, "\(error)")
        }
    }

    /// Nothing to do while the video downloads: the rename at the end is the archive.
    private final class Session: ArchiveSession {
        let archive: FilesystemArchive
        let job: ArchiveJob

        init(archive: FilesystemArchive, job: ArchiveJob) {
            self.archive = archive
            self.job = job
        }

        func videoOpened(path: String, durableBytes: Int64, releasable: Bool) -> VideoOpening { VideoOpening() }
        func responseStarted(contentType: String?, offset: Int64) {}
        func willDiscard() {}
        func durable(bytes: Int64, digestStates: [SHA256Midstate]) {}

        func finish(_ download: ArchivableDownload) throws(ArchiveFailure) -> String {
            // Another instance took the job over (this one's lease lapsed): it archives the
            // video, not this one.
            let ledger = archive.ledger
            if let job = try? ledger.downloadJob(taskID: download.taskID), let holder = job.owner, holder != ledger.instanceID {
                throw ArchiveFailure(.stopped, "instance \(holder) holds the job now")
            }
            let placed = try archive.place(download)
            do {
                try archive.ledger.markDownloadDone(taskID: download.taskID, archivePath: placed.video,
                                                    sha256: download.video.sha256, bytes: download.video.bytes,
                                                    sidecarPath: placed.sidecar)
            } catch where error.isLeaseLost {
                // Taken over between the look above and now: the new owner archives it too,
                // and the ledger names its copy. This one stays where it was put.
                throw ArchiveFailure(.stopped, error.description)
            } catch {
                // The files are in place; a restart finds the video there and finishes.
                job.logger.error("download.ledger_error", metadata: ["step": "mark done", "reason": "\(error)"])
            }
            return placed.video
        }

        func end(_ ending: ArchiveSessionEnding) {}
    }
}

extension ArchiveFailure {
    /// A file-system failure of the archive: a full disk pauses the pool, anything else
    /// is tried again (the same words the download's own write failures use).
    init(_ error: ArchiveError) {
        self = error.isOutOfSpace
            ? ArchiveFailure(.diskFull(bytesNeeded: 0), "the archive's disk is full: \(error)")
            : ArchiveFailure(.temporary, "cannot write the partial file: \(error)")
    }
}
