import Archive
import Foundation

/// Everything one job fetched, ready to archive: the video (whole, fsynced, hashed), the
/// further results that could be fetched, and what the sidecar says of them.
public struct ArchivableDownload: Sendable {
    public struct Video: Sendable {
        /// Where the bytes are now: the partial file, or the archived file itself when a
        /// crash came after its rename (``alreadyInPlace``).
        public var path: String
        /// Its place in the file archive (`<archive>/<yyyy>/<mm>/<dd>/<task-id>.mp4`).
        public var archivePath: String
        public var alreadyInPlace: Bool
        public var bytes: Int64
        /// Hex.
        public var sha256: String
        public var contentType: String?
        public var etag: String?
        public var lastModified: String?
        /// The link it came from (signature included: the sidecar keeps it whole).
        public var sourceURL: String
    }

    public struct Extra: Sendable {
        /// The result's index in the task's `results` (1 and up).
        public var index: Int
        public var sourceURL: String
        /// Its partial file.
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public var contentType: String?

        /// `png` for `image/png`, else from the URL, else `bin` (``MediaExtension``).
        public var fileExtension: String { MediaExtension.forResult(contentType: contentType, url: sourceURL) }
    }

    public var taskID: String
    public var createdUnixSeconds: Int64
    public var video: Video
    public var extras: [Extra]
    /// The task body as the callback carried it, for the sidecar.
    public var taskBody: [UInt8]
    public var startedAt: Date
    /// This attempt's number (the sidecar's `attempts`).
    public var attempts: Int

    /// The sidecar of this download: `videoFile` and each extra's name (by index) as the
    /// archive names them, `object` when the video is an object in a bucket.
    public func sidecar(videoFile: String, extraFiles: [Int: String], object: ArchivedObject? = nil,
                        finishedAt: Date = Date()) -> ArchiveSidecar {
        ArchiveSidecar(
            taskID: taskID, file: videoFile, sourceURL: video.sourceURL, bytes: video.bytes, sha256: video.sha256,
            contentType: video.contentType, etag: video.etag, lastModified: video.lastModified,
            startedAt: startedAt, finishedAt: finishedAt, attempts: attempts,
            extraFiles: extras.compactMap { extra in
                extraFiles[extra.index].map {
                    ArchiveSidecar.ExtraFile(index: extra.index, file: $0, sourceURL: extra.sourceURL, bytes: extra.bytes,
                                             sha256: extra.sha256, contentType: extra.contentType)
                }
            },
            taskBody: taskBody, object: object)
    }
}
