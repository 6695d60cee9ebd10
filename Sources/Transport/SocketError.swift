import Glibc

/// A failed system call on a socket, with the errno and its text, so a message in a log
/// or on the terminal says what happened ("bind 0.0.0.0:443: Permission denied").
public struct SocketError: Error, CustomStringConvertible, Sendable, Equatable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.errno = errno
    }

    public var reason: String { String(cString: strerror(errno)) }
    public var description: String { "\(operation): \(reason)" }
}
