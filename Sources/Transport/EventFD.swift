import Glibc
import CLinux

/// A counter descriptor another thread writes to wake an event loop out of epoll_wait.
public final class EventFD: @unchecked Sendable {
    // Sendable: the descriptor is fixed for the object's life and the kernel makes
    // concurrent eventfd writes and reads safe.
    public let fd: Int32

    public init() throws(SocketError) {
        fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw SocketError("eventfd") }
    }

    deinit { Glibc.close(fd) }

    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    public func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(fd, &value, 8)
    }
}
