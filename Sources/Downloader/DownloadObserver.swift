/// What the download service tells the rest of the daemon (metrics). Hooks run on the
/// worker threads: keep them short.
public struct DownloadObserver: Sendable {
    /// A video was archived: its size in bytes.
    public var archived: @Sendable (Int64) -> Void

    public init(archived: @escaping @Sendable (Int64) -> Void = { _ in }) {
        self.archived = archived
    }
}
