import Glibc
import CLinux

/// Every socket system call the daemon makes, one `static func` each, so the platform's
/// corner is this one file. Descriptors are plain `Int32`: connections own theirs and
/// close them exactly once.
public enum SystemSocket {
    /// A non-blocking, close-on-exec listening TCP socket bound to `address`.
    /// IPv6 sockets are IPv6-only so that `[::]:p` and `0.0.0.0:p` can both be bound.
    public static func listen(on address: SocketAddress, backlog: Int32 = 1024) throws(SocketError) -> Int32 {
        let fd = socket(address.addressFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket for \(address)") }
        do throws(SocketError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")
            if address.family == .inet6 {
                try setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY")
            }
            let bound = address.withSockaddr { Glibc.bind(fd, $0, $1) }
            guard bound == 0 else { throw SocketError("bind \(address)") }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen \(address)") }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Accepts one connection as non-blocking and close-on-exec; nil when none is waiting.
    public static func accept(_ listener: Int32) throws(SocketError) -> (fd: Int32, peer: SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO:
                return nil
            default:
                throw SocketError("accept")
            }
        }
        let peer = withUnsafeBytes(of: &storage) { SocketAddress(storage: $0.baseAddress!, length: length) }
        return (fd, peer)
    }

    /// The address a socket is bound to (the real port after binding port 0).
    public static func localAddress(_ fd: Int32) throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0,
              let address = withUnsafeBytes(of: &storage, { SocketAddress(storage: $0.baseAddress!, length: length) })
        else { throw SocketError("getsockname") }
        return address
    }

    public static func setNonBlocking(_ fd: Int32) throws(SocketError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SocketError("fcntl O_NONBLOCK") }
    }

    public static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws(SocketError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt \(label)")
        }
    }

    /// Disables Nagle: answers are written whole, so waiting for more only adds latency.
    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads into `buffer`; returns the count, 0 at end of stream, nil when it would block.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int? {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw SocketError("read")
            }
        }
    }

    /// Writes what the kernel takes now; returns the count, nil when it would block.
    /// MSG_NOSIGNAL: a peer that closed raises EPIPE here instead of killing the process.
    public static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SocketError) -> Int? {
        while true {
            let count = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw SocketError("write")
            }
        }
    }

    /// What a look at a socket's waiting bytes found.
    public enum Peek: Equatable {
        /// This many bytes are waiting (they stay waiting); 0 means the peer closed.
        case bytes(Int)
        /// Nothing has arrived yet.
        case nothingYet
        case failed
    }

    /// Looks at the first bytes waiting on a socket without consuming them.
    public static func peek(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Peek {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_PEEK))
            if count >= 0 { return .bytes(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .nothingYet
            default: return .failed
            }
        }
    }

    /// Ends our sending side so the peer reads a clean end of stream after our answer.
    public static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// A blocking connect with a time limit, for the downloader's outgoing connections.
    /// The socket is returned in blocking mode with send and receive timeouts set.
    public static func connect(to address: SocketAddress, timeoutMilliseconds: Int32,
                               ioTimeoutMilliseconds: Int32) throws(SocketError) -> Int32 {
        let fd = socket(address.addressFamily, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket for \(address)") }
        do throws(SocketError) {
            let started = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if started != 0 {
                guard errno == EINPROGRESS else { throw SocketError("connect \(address)") }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&pfd, 1, timeoutMilliseconds)
                if ready == 0 { throw SocketError("connect \(address)", errno: ETIMEDOUT) }
                if ready < 0 { throw SocketError("poll connect \(address)") }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                if soError != 0 { throw SocketError("connect \(address)", errno: soError) }
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
            var timeout = timeval(tv_sec: Int(ioTimeoutMilliseconds / 1000),
                                  tv_usec: Int(ioTimeoutMilliseconds % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setNoDelay(fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }
}
