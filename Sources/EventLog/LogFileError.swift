#if canImport(Glibc)
import Glibc
#endif

/// The log file could not be opened: the path and the system's reason.
public struct LogFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public init(path: String, errno: Int32) {
        self.path = path
        self.errno = errno
    }

    /// The system's text for ``errno``, such as "Permission denied".
    public var reason: String {
        String(cString: strerror(errno))
    }

    public var description: String {
        "cannot open log file \(path): \(reason) (errno \(errno)); "
            + "check that its folder exists and is writable by the daemon, or set log_file"
    }
}
