import Glibc
import Synchronization

/// Lays descriptors out the way systemd passes them: consecutive, from a first number.
/// systemd starts at 3; a test process already uses 3 and up, so these go high, where the
/// kernel (which hands out the lowest free number) will not put another test's files.
/// `dup2` also clears FD_CLOEXEC, as it is on a descriptor systemd passes.
final class PassedDescriptors {
    let first: Int32
    let count: Int32
    private var originals: [Int32]

    /// Where the next block ends. Tests run in parallel: each block gets numbers of its own.
    private static let nextBlockEnd = Mutex<Int32>({
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int32(clamping: min(limit.rlim_cur, 4096)) - 1
    }())

    init(_ descriptors: [Int32]) throws {
        let count = Int32(descriptors.count)
        self.count = count
        // One spare number after each block, so that "one past the end" is never open.
        first = Self.nextBlockEnd.withLock { end in
            end -= count + 1
            return end + 1
        }
        originals = descriptors
        for (offset, descriptor) in descriptors.enumerated() {
            let target = first + Int32(offset)
            guard fcntl(target, F_GETFD) == -1, errno == EBADF else {
                throw TestSocketError("descriptor \(target) is already in use", EBUSY)
            }
            guard dup2(descriptor, target) == target else { throw TestSocketError("dup2 to \(target)", errno) }
        }
    }

    deinit {
        for offset in 0..<count { close(first + offset) }
        for descriptor in originals { close(descriptor) }
    }

    func isCloseOnExec(_ descriptor: Int32) -> Bool {
        fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0
    }
}

/// Sockets made the way a socket unit makes them.
enum TestSockets {
    /// A TCP socket bound to a free loopback port; listening unless told otherwise.
    static func tcp(ipv6: Bool = false, listening: Bool = true) throws -> Int32 {
        let family = ipv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSocketError("socket", errno) }
        let bound: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0 else { throw TestSocketError("bind", errno) }
        if listening {
            guard listen(descriptor, 16) == 0 else { throw TestSocketError("listen", errno) }
        }
        return descriptor
    }

    /// A unix datagram socket with no address.
    static func unixDatagram() throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSocketError("socket", errno) }
        return descriptor
    }

    /// The read end of a pipe: what `ListenFIFO=` passes, a descriptor that is no socket.
    static func pipeReadEnd() throws -> Int32 {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw TestSocketError("pipe", errno) }
        close(ends[1])
        return ends[0]
    }
}
