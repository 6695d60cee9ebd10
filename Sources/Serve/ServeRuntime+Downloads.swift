import Downloader
import Ledger
import ObjectArchive
import Poster
import Settings
import URLPolicy

extension ServeRuntime {
    /// The downloader as the settings describe it, not yet started (its start queues
    /// crashed jobs again, removes orphan partial files and runs the workers).
    /// - Parameter refreshLinks: the video API's fresh links after a 403 or 410 (nil without a key).
    func makeDownloads(ledger: Ledger, refreshLinks: DownloadService.RefreshLinks?) throws -> DownloadService {
        let settings = self.settings
        let metrics = self.metrics
        let posters = self.posters
        let bucketArchive = makeBucketArchive(ledger: ledger)
        self.bucketArchive = bucketArchive
        do {
            let service = try DownloadService(
                ledger: ledger, configuration: Self.downloaderConfiguration(settings),
                policy: URLPolicy(allowInternal: settings.download.allowInternal, resolver: SystemHostResolver()),
                logger: logger, refreshLinks: refreshLinks,
                observer: DownloadObserver(
                    archived: { bytes in metrics.downloaded(bytes: Int(clamping: bytes)) },
                    videoArchived: { [posters] taskID, location in
                        // Posters for the file archive only: a bucket's video is not on this disk.
                        if location.hasPrefix("/") { posters?.videoArchived(taskID: taskID, videoPath: location) }
                    }),
                destination: bucketArchive)
            if settings.download.allowInternal {
                logger.warning("download.allow_internal", metadata: ["meaning": "video URLs may reach loopback and private addresses; for tests only"])
            }
            return service
        } catch {
            throw ServeError(error.description)
        }
    }

    /// The poster maker when `ffmpeg` is on the PATH (found once, here); nil without it,
    /// said once in the log: posters are optional.
    func makePosters() -> PosterService? {
        guard let ffmpeg = ExecutableSearch.find("ffmpeg", in: environment["PATH"]) else {
            logger.info("poster.off", metadata: ["reason": "ffmpeg is not on the PATH; videos are archived without a poster frame"])
            return nil
        }
        logger.info("poster.on", metadata: ["ffmpeg": "\(ffmpeg)"])
        return PosterService(ffmpeg: ffmpeg, logger: logger)
    }

    static func downloaderConfiguration(_ settings: Settings) -> DownloaderConfiguration {
        var configuration = DownloaderConfiguration(
            archiveDirectory: settings.archiveDirectory, concurrency: settings.download.concurrency,
            maxBytes: Int64(settings.download.maxBytes), caFile: settings.download.caFile,
            diskReserveBytes: Int64(settings.diskReserveBytes))
        if let s3 = settings.s3 {
            // A part goes up only once its bytes are durable, and they become durable at a
            // checkpoint: at the file archive's 256 MiB a 1 GiB video went up in four
            // bursts, mostly after its last byte. One checkpoint per part keeps the
            // upload a part behind the download.
            configuration.checkpointBytes = min(configuration.checkpointBytes, Int64(s3.partSize))
        }
        return configuration
    }

    /// With `s3.bucket` set, the bucket as the downloads' destination: its client is the
    /// one SIGHUP replaces, and what it reports goes to the metrics and to `/readyz`.
    /// Nil keeps the file archive.
    private func makeBucketArchive(ledger: Ledger) -> BucketArchive? {
        guard let objectStore, let s3 = settings.s3 else { return nil }
        let observer = objectStore.observer
        return BucketArchive(
            ledger: ledger, clients: objectStore.client,
            configuration: ObjectArchiveConfiguration(prefix: s3.prefix, partSize: Int64(s3.partSize),
                                                      storageClass: s3.storageClass, keepLocal: s3.keepLocal,
                                                      archiveDirectory: settings.archiveDirectory),
            observer: ObjectArchiveObserver(bytesUploaded: { observer.uploaded($0) },
                                            uploadFailed: { observer.failed($0) }))
    }
}
