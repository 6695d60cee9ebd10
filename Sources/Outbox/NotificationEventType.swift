/// The events videohookd tells the operator's application about (DESIGN.md,
/// "Notifications"). Each is committed in the same ledger transaction as the change
/// that causes it, so a crash can neither lose one nor invent one.
public enum NotificationEventType: String, Sendable, CaseIterable, Codable, Comparable {
    /// A completed callback was accepted (and confirmed by the API where a key is set):
    /// its video is queued for download.
    case taskCompleted = "task.completed"
    /// The video and its sidecar are in the archive.
    case videoArchived = "video.archived"
    /// The video API said the task failed or was cancelled.
    case taskFailed = "task.failed"
    /// The downloader gave up on the video.
    case downloadFailed = "download.failed"

    /// The name in settings, bodies, headers and logs: `video.archived`.
    public var name: String { rawValue }

    /// Every name, in the order of the cases, for messages that list what is allowed.
    public static var allNames: [String] { allCases.map(\.rawValue) }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
