import Glibc
import CLinux

/// An epoll instance: the readiness source of one event loop.
public final class Epoll {
    public struct Interest: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Interest(rawValue: EPOLLIN.rawValue)
        public static let writable = Interest(rawValue: EPOLLOUT.rawValue)
        /// Wake only one of the loops that share a listening socket (no thundering herd).
        public static let exclusive = Interest(rawValue: EPOLLEXCLUSIVE.rawValue)
    }

    public struct Event {
        public var token: UInt64
        public var readable: Bool
        public var writable: Bool
        /// The peer hung up or the socket failed: read to learn which, then close.
        public var hangup: Bool
    }

    public let fd: Int32
    private var events: UnsafeMutablePointer<epoll_event>
    private let capacity: Int

    public init(capacity: Int = 256) throws(SocketError) {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SocketError("epoll_create1") }
        self.capacity = capacity
        events = .allocate(capacity: capacity)
    }

    deinit {
        events.deallocate()
        Glibc.close(fd)
    }

    public func add(_ target: Int32, token: UInt64, interest: Interest) throws(SocketError) {
        try control(EPOLL_CTL_ADD, target, token, interest)
    }

    public func modify(_ target: Int32, token: UInt64, interest: Interest) throws(SocketError) {
        try control(EPOLL_CTL_MOD, target, token, interest)
    }

    public func remove(_ target: Int32) {
        _ = epoll_ctl(fd, EPOLL_CTL_DEL, target, nil)
    }

    private func control(_ operation: Int32, _ target: Int32, _ token: UInt64, _ interest: Interest) throws(SocketError) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.u64 = token
        guard epoll_ctl(fd, operation, target, &event) == 0 else { throw SocketError("epoll_ctl") }
    }

    /// Waits up to `timeoutMilliseconds` and calls `body` for each ready descriptor.
    public func wait(timeoutMilliseconds: Int32, _ body: (Event) -> Void) {
        let count = epoll_wait(fd, events, Int32(capacity), timeoutMilliseconds)
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let raw = events[index]
            let flags = raw.events
            body(Event(token: raw.data.u64,
                       readable: flags & EPOLLIN.rawValue != 0,
                       writable: flags & EPOLLOUT.rawValue != 0,
                       hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0))
        }
    }
}
