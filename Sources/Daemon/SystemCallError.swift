import Glibc

/// A libc call that failed, with the `errno` it left and the system's words for it.
public struct SystemCallError: Error, Equatable, CustomStringConvertible {
    /// The call and what it was doing, for example `sendto NOTIFY_SOCKET`.
    public let operation: String
    public let errno: Int32

    public init(_ operation: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// Runs a libc call again while a signal interrupts it, and turns -1 into a thrown error.
@discardableResult
func retryingInterrupted<Result: BinaryInteger>(
    _ operation: @autoclosure () -> String,
    _ call: () -> Result
) throws(SystemCallError) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemCallError(operation(), errno: code) }
    }
}
