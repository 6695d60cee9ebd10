import Glibc

/// The durable steps of the archive: folders made and fsynced, files renamed into place
/// and their folder fsynced, small files written whole or not at all.
///
/// A rename is atomic but not durable until the folder holding the new name is fsynced:
/// without that, a power cut can leave the old state after the ledger said done.
public enum ArchiveFileSystem {
    /// Makes `path` and its missing parents (mode 0755); each folder that was created is
    /// fsynced into its parent.
    public static func makeDirectories(_ path: String) throws(ArchiveError) {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw ArchiveError("mkdir", path: path, errno: ENOTDIR) }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ArchiveError("mkdir", path: path) }
        try syncDirectory(parent)
    }

    public static func syncDirectory(_ path: String) throws(ArchiveError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError("open", path: path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArchiveError("fsync", path: path) }
    }

    /// Renames a complete, fsynced file to `destination` (making its folder first), then
    /// fsyncs the folders of both names. An existing file at `destination` is replaced:
    /// a job that finished before a crash and runs again writes the same bytes.
    public static func moveIntoPlace(_ source: String, to destination: String) throws(ArchiveError) {
        let folder = parentDirectory(of: destination)
        try makeDirectories(folder)
        guard rename(source, destination) == 0 else { throw ArchiveError("rename \(source) →", path: destination) }
        try syncDirectory(folder)
        let sourceFolder = parentDirectory(of: source)
        if sourceFolder != folder { try syncDirectory(sourceFolder) }
    }

    /// Writes `bytes` to `temporary`, fsyncs, and moves it to `destination`: a reader sees
    /// the old file or the whole new one.
    public static func writeAtomically(_ bytes: [UInt8], to destination: String, through temporary: String)
        throws(ArchiveError)
    {
        try makeDirectories(parentDirectory(of: temporary))
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArchiveError("open", path: temporary) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let error = ArchiveError("write", path: temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let error = ArchiveError("fsync", path: temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        try moveIntoPlace(temporary, to: destination)
    }

    public static func fileExists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    public static func fileSize(_ path: String) -> Int64? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int64(status.st_size)
    }

    /// Removes a file; a file already gone is not an error.
    public static func remove(_ path: String) throws(ArchiveError) {
        if unlink(path) != 0 && errno != ENOENT { throw ArchiveError("unlink", path: path) }
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}
