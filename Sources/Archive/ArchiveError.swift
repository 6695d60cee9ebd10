import Glibc

/// A file-system call on the archive that failed, with the path and errno text, so the
/// log says what to fix ("rename …/.partial/t.0.part → …/t.mp4: No space left on device").
public struct ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, path: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var reason: String { String(cString: strerror(errno)) }

    /// ENOSPC and EDQUOT: the disk, not the file, is at fault; the download pauses.
    public var isOutOfSpace: Bool { errno == ENOSPC || errno == EDQUOT }

    public var description: String { "\(operation) \(path): \(reason)" }
}
