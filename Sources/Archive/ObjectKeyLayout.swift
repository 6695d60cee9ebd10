/// Where things live in a bucket, the same names as the file archive's
/// (``ArchiveLayout``) under a key prefix instead of a folder:
///
/// ```
/// <prefix><yyyy>/<mm>/<dd>/<task-id>.mp4        the video
/// <prefix><yyyy>/<mm>/<dd>/<task-id>.json       its sidecar
/// <prefix><yyyy>/<mm>/<dd>/<task-id>.<n>.<ext>  further results
/// ```
///
/// The day comes from ``ArchiveLayout/dayPath(createdUnixSeconds:)``, so a task is filed
/// under the same day in both. The task id is checked here too before a key is built
/// from it: a key becomes a path again when someone syncs the bucket to a disk.
public struct ObjectKeyLayout: Sendable, Equatable {
    /// Empty, or ending in `/` (`S3Settings` makes it so).
    public let prefix: String

    public init(prefix: String) {
        self.prefix = prefix
    }

    /// `<prefix><yyyy>/<mm>/<dd>`, without a trailing slash.
    public func dayPrefix(createdUnixSeconds: Int64) -> String {
        prefix + ArchiveLayout.dayPath(createdUnixSeconds: createdUnixSeconds)
    }

    public func videoKey(taskID: String, createdUnixSeconds: Int64) throws(UnsafeArchiveName) -> String {
        try dayPrefix(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID) + ".mp4"
    }

    public func sidecarKey(taskID: String, createdUnixSeconds: Int64) throws(UnsafeArchiveName) -> String {
        try dayPrefix(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID) + ".json"
    }

    /// A further result, `<task-id>.<index>.<ext>`; `ext` comes from ``MediaExtension``.
    public func extraKey(taskID: String, createdUnixSeconds: Int64, index: Int, fileExtension: String)
        throws(UnsafeArchiveName) -> String
    {
        guard MediaExtension.isSafe(fileExtension) else { throw UnsafeArchiveName(name: fileExtension) }
        return try dayPrefix(createdUnixSeconds: createdUnixSeconds) + "/" + checked(taskID) + ".\(index).\(fileExtension)"
    }

    private func checked(_ taskID: String) throws(UnsafeArchiveName) -> String {
        guard ArchiveName.isSafe(taskID) else { throw UnsafeArchiveName(name: taskID) }
        return taskID
    }
}
