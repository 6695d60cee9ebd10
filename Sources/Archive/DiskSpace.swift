import Glibc

/// Free space on the archive's file system, as an unprivileged process may use it.
public enum DiskSpace {
    /// Bytes available to us (`f_bavail`, not `f_bfree`: root's reserved blocks are not ours).
    public static func availableBytes(at path: String) throws(ArchiveError) -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw ArchiveError("statvfs", path: path) }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
