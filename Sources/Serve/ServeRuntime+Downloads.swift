import Downloader
import Ledger
import Settings
import URLPolicy

extension ServeRuntime {
    /// The downloader as the settings describe it, not yet started (its start queues
    /// crashed jobs again, removes orphan partial files and runs the workers).
    /// - Parameter refreshLinks: the video API's fresh links after a 403 or 410 (nil without a key).
    func makeDownloads(ledger: Ledger, refreshLinks: DownloadService.RefreshLinks?) throws -> DownloadService {
        let settings = self.settings
        let metrics = self.metrics
        do {
            let service = try DownloadService(
                ledger: ledger, configuration: Self.downloaderConfiguration(settings),
                policy: URLPolicy(allowInternal: settings.download.allowInternal, resolver: SystemHostResolver()),
                logger: logger, refreshLinks: refreshLinks,
                observer: DownloadObserver(archived: { bytes in metrics.downloaded(bytes: Int(clamping: bytes)) }))
            if settings.download.allowInternal {
                logger.warning("download.allow_internal", metadata: ["meaning": "video URLs may reach loopback and private addresses; for tests only"])
            }
            return service
        } catch {
            throw ServeError(error.description)
        }
    }

    static func downloaderConfiguration(_ settings: Settings) -> DownloaderConfiguration {
        DownloaderConfiguration(
            archiveDirectory: settings.archiveDirectory, concurrency: settings.download.concurrency,
            maxBytes: Int64(settings.download.maxBytes), caFile: settings.download.caFile,
            diskReserveBytes: Int64(settings.diskReserveBytes))
    }
}
