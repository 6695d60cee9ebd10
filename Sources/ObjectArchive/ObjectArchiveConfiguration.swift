/// What the object archive needs from the `s3.*` settings, and the timings tests shorten.
public struct ObjectArchiveConfiguration: Sendable {
    /// `s3.prefix`: empty, or ending in `/`.
    public var prefix: String
    /// `s3.part_size`: bytes in each part but the last; a video of at most this many
    /// bytes is one PutObject.
    public var partSize: Int64
    /// `s3.storage_class`; nil sends none (the bucket's default).
    public var storageClass: String?
    /// `s3.keep_local`: the files also stay in the file archive.
    public var keepLocal: Bool
    /// `archive_dir`: where the partial files are, and the file archive `keepLocal` fills.
    public var archiveDirectory: String
    /// Waits before the part pump sends a part again after a passing refusal (5xx,
    /// `SlowDown`, a reset). When they are used up the pump stops, and the job's own
    /// backoff takes over once its download has ended.
    public var partRetryDelays: [Duration]
    /// How long the download may be held back at once waiting for the part pump to record
    /// a part (back-pressure, to keep the partial file at about two parts). Past it the
    /// store is too slow to keep up, and the download goes on unheld for the rest of the
    /// attempt: the video's server would drop a connection left unread much longer.
    public var holdLimit: Duration

    public init(prefix: String = "", partSize: Int64 = 16 << 20, storageClass: String? = nil, keepLocal: Bool = false,
                archiveDirectory: String, partRetryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(15)],
                holdLimit: Duration = .seconds(30)) {
        precondition(partSize >= 5 << 20, "S3 refuses parts under 5 MiB")
        self.prefix = prefix
        self.partSize = partSize
        self.storageClass = storageClass
        self.keepLocal = keepLocal
        self.archiveDirectory = archiveDirectory
        self.partRetryDelays = partRetryDelays
        self.holdLimit = holdLimit
    }
}
