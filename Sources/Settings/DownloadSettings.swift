/// The `download.*` settings.
public struct DownloadSettings: Sendable, Equatable {
    public static let concurrencyRange = 1...64

    /// Downloads at once.
    public var concurrency: Int
    /// The largest video accepted, in bytes.
    public var maxBytes: Int
    /// Extra trusted CA certificates (PEM), beside the system's trust store.
    public var caFile: String?
    /// Lets the downloader reach loopback and private addresses. Tests only.
    public var allowInternal: Bool

    public init(concurrency: Int = 4, maxBytes: Int = 4 << 30, caFile: String? = nil,
                allowInternal: Bool = false) {
        self.concurrency = concurrency
        self.maxBytes = maxBytes
        self.caFile = caFile
        self.allowInternal = allowInternal
    }
}
