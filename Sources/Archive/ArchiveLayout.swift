import Glibc

/// Where things live in the archive:
///
/// ```
/// <root>/<yyyy>/<mm>/<dd>/<task-id>.mp4      the video
/// <root>/<yyyy>/<mm>/<dd>/<task-id>.json     its sidecar
/// <root>/<yyyy>/<mm>/<dd>/<task-id>.<n>.<ext> further results (a last frame: .1.png)
/// <root>/.partial/<task-id>.<n>.part         downloads in progress (n = result index)
/// <root>/.partial/<task-id>.json.part        the sidecar being written
/// ```
///
/// The date is the task's `created` day in UTC. Partial files sit under the root so that
/// the final rename stays on one file system, which is what makes it atomic.
public struct ArchiveLayout: Sendable, Equatable {
    public static let partialFolderName = ".partial"

    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var partialDirectory: String { root + "/" + Self.partialFolderName }

    /// `<root>/<yyyy>/<mm>/<dd>` for a task created at `createdUnixSeconds` (UTC).
    public func directory(createdUnixSeconds: Int64) -> String {
        root + "/" + Self.dayPath(createdUnixSeconds: createdUnixSeconds)
    }

    /// `<yyyy>/<mm>/<dd>` of `createdUnixSeconds` in UTC: the day folder of a file, and
    /// the day in an object's key (``ObjectKeyLayout``), so both archives file a task
    /// under the same day.
    public static func dayPath(createdUnixSeconds: Int64) -> String {
        var seconds = time_t(createdUnixSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return padded(Int(parts.tm_year) + 1900, 4) + "/" + padded(Int(parts.tm_mon) + 1, 2) + "/"
            + padded(Int(parts.tm_mday), 2)
    }

    public func videoPath(taskID: String, createdUnixSeconds: Int64) throws(UnsafeArchiveName) -> String {
        try directory(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID) + ".mp4"
    }

    public func sidecarPath(taskID: String, createdUnixSeconds: Int64) throws(UnsafeArchiveName) -> String {
        try directory(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID) + ".json"
    }

    /// A further result, `<task-id>.<index>.<ext>`; `ext` comes from ``MediaExtension``.
    public func extraPath(taskID: String, createdUnixSeconds: Int64, index: Int, fileExtension: String)
        throws(UnsafeArchiveName) -> String
    {
        guard MediaExtension.isSafe(fileExtension) else { throw UnsafeArchiveName(name: fileExtension) }
        return try directory(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID)
            + ".\(index).\(fileExtension)"
    }

    /// The partial file of result `index` (0 is the video).
    public func partialPath(taskID: String, index: Int) throws(UnsafeArchiveName) -> String {
        try partialDirectory + "/" + PartialFileName(taskID: checked(taskID), index: index).fileName
    }

    public func sidecarTemporaryPath(taskID: String) throws(UnsafeArchiveName) -> String {
        try partialDirectory + "/" + PartialFileName(sidecarOf: checked(taskID)).fileName
    }

    private func checked(_ taskID: String) throws(UnsafeArchiveName) -> String {
        guard ArchiveName.isSafe(taskID) else { throw UnsafeArchiveName(name: taskID) }
        return taskID
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
