/// What the downloader needs from the settings, and the timings the tests shorten.
/// Every argument has a default fit for production; the daemon fills the first few from
/// `Settings` (`archive_dir`, `download.*`, `disk_reserve_bytes`).
public struct DownloaderConfiguration: Sendable {
    /// `archive_dir`.
    public var archiveDirectory: String
    /// `download.concurrency`: worker threads, so downloads at once.
    public var concurrency: Int
    /// `download.max_bytes`: the largest video (or further result) accepted.
    public var maxBytes: Int64
    /// `download.ca_file`: PEM certificates trusted besides the system's.
    public var caFile: String?
    /// `disk_reserve_bytes`: downloads pause while less than this is free on the archive's disk.
    public var diskReserveBytes: Int64

    /// Per address tried.
    public var connectTimeout: Duration
    /// Longest wait for any one read or write; a stalled server fails the attempt after it.
    public var readTimeout: Duration
    /// Longest one attempt may take, however steadily bytes trickle in.
    public var attemptTimeout: Duration
    /// Redirects followed per request; each is judged by the URL policy.
    public var maxRedirects: Int
    /// First retry delay; it doubles per failed attempt, with jitter, up to `retryMaxDelay`.
    public var retryBaseDelay: Duration
    public var retryMaxDelay: Duration
    /// How often idle workers look for due jobs (and a paused pool for free space)
    /// without being woken.
    public var pollInterval: Duration
    /// How often the partial file is fsynced and its length recorded: whichever of the
    /// two comes first, and whenever the server pauses for a second. A restart resumes
    /// from the last checkpoint. Writeback runs all along, so a checkpoint waits little;
    /// a fixed byte count only adds waits on a fast link.
    public var checkpointBytes: Int64
    public var checkpointInterval: Duration
    /// Least time between two `download.progress` lines of one job (a line also comes at
    /// every 10 %).
    public var progressLogInterval: Duration
    /// How long `stop()` waits for workers to reach a resumable point.
    public var stopTimeout: Duration
    /// Bytes read from the network at once, and bytes gathered before one write to disk.
    public var receiveBufferBytes: Int
    public var writeBufferBytes: Int
    /// Whole aligned blocks of a download go straight to the disk (`O_DIRECT`, see
    /// `PartialFile`); false sends every write through the page cache, as the benchmark
    /// does to compare the two.
    public var writesDirect: Bool
    public var userAgent: String

    public init(archiveDirectory: String, concurrency: Int = 4, maxBytes: Int64 = 4 << 30, caFile: String? = nil,
                diskReserveBytes: Int64 = 1 << 30, connectTimeout: Duration = .seconds(10),
                readTimeout: Duration = .seconds(30), attemptTimeout: Duration = .seconds(4 * 3600),
                maxRedirects: Int = 5, retryBaseDelay: Duration = .seconds(5), retryMaxDelay: Duration = .seconds(900),
                pollInterval: Duration = .seconds(5), checkpointBytes: Int64 = 256 << 20,
                checkpointInterval: Duration = .seconds(5), progressLogInterval: Duration = .seconds(10),
                stopTimeout: Duration = .seconds(5), receiveBufferBytes: Int = 256 << 10,
                writeBufferBytes: Int = 1 << 20, writesDirect: Bool = true, userAgent: String = "videohookd/1.0") {
        self.archiveDirectory = archiveDirectory
        self.concurrency = concurrency
        self.maxBytes = maxBytes
        self.caFile = caFile
        self.diskReserveBytes = diskReserveBytes
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.attemptTimeout = attemptTimeout
        self.maxRedirects = maxRedirects
        self.retryBaseDelay = retryBaseDelay
        self.retryMaxDelay = retryMaxDelay
        self.pollInterval = pollInterval
        self.checkpointBytes = checkpointBytes
        self.checkpointInterval = checkpointInterval
        self.progressLogInterval = progressLogInterval
        self.stopTimeout = stopTimeout
        self.receiveBufferBytes = receiveBufferBytes
        self.writeBufferBytes = writeBufferBytes
        self.writesDirect = writesDirect
        self.userAgent = userAgent
    }
}
