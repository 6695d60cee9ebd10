/// What the download service tells the rest of the daemon (metrics, the poster frames).
/// Hooks run on the worker threads: keep them short.
public struct DownloadObserver: Sendable {
    /// A video was archived: its size in bytes.
    public var archived: @Sendable (Int64) -> Void
    /// A task's video was archived at `location`: a path in the file archive, or the
    /// bucket's `s3://` URL.
    public var videoArchived: @Sendable (_ taskID: String, _ location: String) -> Void

    public init(archived: @escaping @Sendable (Int64) -> Void = { _ in },
                videoArchived: @escaping @Sendable (_ taskID: String, _ location: String) -> Void = { _, _ in }) {
        self.archived = archived
        self.videoArchived = videoArchived
    }
}
